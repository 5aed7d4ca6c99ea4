import { measureOrchestrix } from "./orchestrix.js";
import { measureDbos } from "./dbos.js";
import { measureTakeover } from "./takeover.js";
const [which = "orx", n = "1", runs = "200"] = process.argv.slice(2);
console.log(which === "take" ? await measureTakeover() : await (which === "dbos" ? measureDbos : measureOrchestrix)(Number(n), Number(runs)));
