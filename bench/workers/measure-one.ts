/**
 * One measurement of the worker benchmark, printed whole: for A/B runs of two builds and for
 * profiling. `npx tsx bench/workers/measure-one.ts orchestrix|dbos|takeover [processes] [runs]`;
 * NODE_FLAGS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`) go to the measured processes,
 * ORCHESTRIX_BENCH_CLI names another build's cli.js, CONCURRENCY the runs at once per process.
 */
import { measureDbos } from "./dbos.js";
import { measureOrchestrix } from "./orchestrix.js";
import { measureTakeover } from "./takeover.js";

const [what = "orchestrix", processes = "1", runs = "400"] = process.argv.slice(2);
const nodeFlags = (process.env["NODE_FLAGS"] ?? "").split(" ").filter(Boolean);
if (what === "takeover") console.log(await measureTakeover());
else if (what === "dbos") console.log(await measureDbos(Number(processes), Number(runs), nodeFlags));
else if (what === "orchestrix") console.log(await measureOrchestrix(Number(processes), Number(runs), nodeFlags));
else throw new Error(`Expected orchestrix, dbos or takeover; got ${what}`);
