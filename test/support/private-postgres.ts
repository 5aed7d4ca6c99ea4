import { execFileSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * A PostgreSQL server of the test's own (initdb into a temporary folder, on a free port), for
 * tests that stop and restart the database: restarting the shared server would break every
 * other test run on the machine.
 */
export interface PrivatePostgres {
  /** Connection string of its `postgres` database. */
  url: string;
  stop(): void;
  start(): void;
  /** `pg_ctl restart -m fast`: what `pg_ctlcluster … restart` does to a cluster. */
  restart(): void;
  /** Stops it and removes its files. */
  destroy(): void;
}

function binDir(): string | undefined {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return undefined;
  const version = readdirSync(root).sort((a, b) => Number(b) - Number(a))[0];
  const dir = version && join(root, version, "bin");
  return dir && existsSync(join(dir, "initdb")) ? dir : undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** Starts a private server, or resolves with why it cannot (no PostgreSQL binaries here). */
export async function privatePostgres(): Promise<PrivatePostgres | string> {
  const bin = binDir();
  if (!bin) return "no PostgreSQL server binaries under /usr/lib/postgresql";
  const asRoot = process.getuid?.() === 0;
  // initdb refuses to run as root: run the server as the postgres user then.
  const run = (tool: string, args: string[]) =>
    execFileSync(asRoot ? "runuser" : join(bin, tool), asRoot ? ["-u", "postgres", "--", join(bin, tool), ...args] : args, {
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 60_000,
    });
  const dir = mkdtempSync(join(tmpdir(), "orchestrix-pg-"));
  if (asRoot) chownSync(dir, Number(execFileSync("id", ["-u", "postgres"]).toString()), Number(execFileSync("id", ["-g", "postgres"]).toString()));
  const data = join(dir, "data");
  const port = await freePort();
  run("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"]);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50`;
  const ctl = (...args: string[]) => run("pg_ctl", ["-D", data, "-w", "-t", "60", "-l", join(dir, "log"), ...args]);
  ctl("-o", options, "start");
  let running = true;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop: () => {
      ctl("-m", "fast", "stop");
      running = false;
    },
    start: () => {
      ctl("-o", options, "start");
      running = true;
    },
    restart: () => {
      ctl("-m", "fast", "-o", options, "restart");
      running = true;
    },
    destroy: () => {
      if (running) ctl("-m", "immediate", "stop");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
