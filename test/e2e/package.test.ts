/**
 * From `npm install orchestrix` to a working app, and from a fresh clone to the README's commands.
 * The library is packed from a copy of the repository's files (no dist/: `prepack` has to build it),
 * the tarball is installed into new projects from the npm registry's packages, and every command the
 * README shows runs where the README says, as a real child process. `npm run test:e2e` runs it.
 */
import { execFile, spawn } from "node:child_process";
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../helpers/cli.js";

const exec = promisify(execFile);

/** npm's own cache for these installs, kept between runs so that only the first one downloads. */
const NPM_CACHE = join(ROOT, "node_modules", ".cache", "orchestrix-package-test-npm");

interface Block {
  /** The `## ` heading the block is under. */
  section: string;
  lang: string;
  body: string;
}

/** The README's fenced code blocks, with the section each is in. */
function readmeBlocks(readme: string): Block[] {
  const blocks: Block[] = [];
  let section = "";
  const fence = /^```(\w*)[^\n]*\n([\s\S]*?)^```$/gm;
  let last = 0;
  for (let match = fence.exec(readme); match; match = fence.exec(readme)) {
    for (const heading of readme.slice(last, match.index).matchAll(/^## (.+)$/gm)) section = heading[1]!;
    last = match.index + match[0].length;
    blocks.push({ section, lang: match[1]!, body: match[2]! });
  }
  return blocks;
}

/** The shell commands of a section's `sh` blocks, one a line, without their trailing comments. */
function commandsOf(section: string): string[] {
  return readmeBlocks(readFileSync(join(ROOT, "README.md"), "utf8"))
    .filter((block) => block.section === section && block.lang === "sh")
    .flatMap((block) => block.body.split("\n"))
    .map((line) => line.replace(/\s+#\s.*$/, "").trim())
    .filter((line) => line !== "");
}

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment of a person's shell: without the variables that would change what the CLI does. */
function userEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env["ORCHESTRIX_LOG"];
  delete env["ORCHESTRIX_STORE"];
  return env;
}

/** Runs a README command line through the shell, as a person would type it. */
function sh(command: string, cwd: string): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn("/bin/sh", ["-c", command], { cwd, env: userEnv() });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs a command that must succeed, failing the test with everything it printed when it does not. */
async function ok(command: string, cwd: string): Promise<Outcome> {
  const outcome = await sh(command, cwd);
  expect(outcome.code, `${command}\n${outcome.stdout}\n${outcome.stderr}`).toBe(0);
  return outcome;
}

let work: string;
/** A copy of the repository's files, as a fresh clone has them (with the installed node_modules). */
let clone: string;
let tarball: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "orchestrix-package-"));
  clone = join(work, "clone");
  const { stdout } = await exec("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: ROOT, maxBuffer: 16 << 20 });
  for (const file of stdout.split("\0").filter((name) => name !== "" && existsSync(join(ROOT, name)))) {
    mkdirSync(dirname(join(clone, file)), { recursive: true });
    copyFileSync(join(ROOT, file), join(clone, file));
  }
  // `npm install` in a fresh clone gives these same packages: link them instead of installing again.
  symlinkSync(join(ROOT, "node_modules"), join(clone, "node_modules"), "dir");
  expect(existsSync(join(clone, "dist"))).toBe(false);
  const packed = await exec("npm", ["pack", "--json", "--pack-destination", work], { cwd: clone, maxBuffer: 16 << 20 });
  // The prepack build prints first (its lines may hold "["): the JSON is the array that starts a line, last.
  const json = packed.stdout.slice(packed.stdout.startsWith("[") ? 0 : packed.stdout.lastIndexOf("\n[") + 1);
  const [manifest] = JSON.parse(json) as { filename: string }[];
  tarball = join(work, manifest!.filename);
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

/**
 * Runs the README's install commands in a new project, with this tarball in place of the registry's
 * orchestrix. Install scripts are skipped and better-sqlite3 gets the binary already built for this
 * repository's copy of the same version: compiling it again takes minutes on this machine.
 */
async function newProject(name: string, installs: readonly string[]): Promise<string> {
  const project = join(work, name);
  mkdirSync(project);
  writeFileSync(join(project, "package.json"), `${JSON.stringify({ name, private: true, type: "module" }, null, 2)}\n`);
  const flags = `--no-audit --no-fund --prefer-offline --ignore-scripts --cache ${NPM_CACHE}`;
  for (const install of installs) await ok(`${install.replace(/ orchestrix$/, ` ${tarball}`)} ${flags}`, project);
  const ours = join(ROOT, "node_modules", "better-sqlite3");
  const theirs = join(project, "node_modules", "better-sqlite3");
  const version = (folder: string) => (JSON.parse(readFileSync(join(folder, "package.json"), "utf8")) as { version: string }).version;
  if (version(ours) === version(theirs)) cpSync(join(ours, "build"), join(theirs, "build"), { recursive: true });
  else await ok("npm rebuild better-sqlite3", project);
  return project;
}

describe("the packed tarball", () => {
  it("holds the build, the LICENSE, and every file the README links to", async () => {
    const { stdout } = await exec("tar", ["-tzf", tarball]);
    const files = new Set(stdout.split("\n").map((line) => line.replace(/^package\//, "")));
    const built = ["dist/index.js", "dist/index.d.ts", "dist/sqlite.js", "dist/inspector.js", "dist/inspector-client.js", "dist/layout-worker.js", "dist/cli.js"];
    for (const file of [...built, "LICENSE", "README.md", "package.json"]) {
      expect(files, file).toContain(file);
    }
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const linked = [...readme.matchAll(/\]\((?!https?:|#)([^)\s]+)\)/g)].map((match) => match[1]!);
    expect(linked).toContain("machines/payment-saga.svg");
    for (const file of linked) expect(files, `README links to ${file}`).toContain(file);
    expect(readFileSync(join(ROOT, "LICENSE"), "utf8")).toMatch(/^MIT License/);
    // The CLI loads the user's tsx: a bundled copy fails under ESM (`Dynamic require of "fs"`).
    expect(readFileSync(join(clone, "dist", "cli.js"), "utf8")).not.toContain("Dynamic require");
  });
});

describe("a new project that installs the tarball as the README says", () => {
  it("runs the README's first flow, a .ts module, with the project's own tsx: run, runs list, runs show, export", async () => {
    const commands = commandsOf("Install in your project");
    const installs = commands.filter((command) => command.startsWith("npm install"));
    expect(installs).toEqual(["npm install orchestrix", "npm install -D tsx", "npm install @statelyai/inspect"]);
    const project = await newProject("app-ts", installs);
    const flows = readmeBlocks(readFileSync(join(ROOT, "README.md"), "utf8")).find((block) => block.section === "Install in your project" && block.lang === "ts");
    writeFileSync(join(project, "flows.ts"), flows!.body);

    const cliCommands = commands.filter((command) => !command.startsWith("npm install"));
    expect(cliCommands.map((command) => command.split(" ").slice(0, 3).join(" "))).toEqual([
      "npx orchestrix run",
      "npx orchestrix runs",
      "npx orchestrix runs",
      "npx orchestrix export",
    ]);
    const outputs: string[] = [];
    for (const command of cliCommands) outputs.push((await ok(command, project)).stdout);
    expect(outputs[0]).toContain("hello Ada");
    expect(outputs[0]).toMatch(/Run hello-1 of flow hello: completed/);
    expect(outputs[1]).toMatch(/^hello-1 +hello +completed /m);
    expect(outputs[2]).toMatch(/^Status +completed$/m);
    expect(outputs[2]).toContain("(none needed: the run completed)");
    expect(readFileSync(join(project, "machines", "hello.svg"), "utf8")).toContain(">greet<");

    // The installed inspector serves its page whole (its script inlined): in a real browser, with no
    // network beyond the inspector, it connects and shows the stored run drawn from the module's flow.
    const inspector = spawn("npx", ["orchestrix", "inspect", "--port", "0", "--store", "sqlite:runs.db", "--module", "./flows.ts"], {
      cwd: project,
      env: userEnv(),
      detached: true,
    });
    try {
      let printed = "";
      inspector.stdout.setEncoding("utf8").on("data", (chunk: string) => (printed += chunk));
      inspector.stderr.setEncoding("utf8").on("data", (chunk: string) => (printed += chunk));
      await expect.poll(() => /Orchestrix inspector: (\S+)/.exec(printed)?.[1], { timeout: 60_000 }).toBeDefined();
      const browser = await chromium.launch({
        executablePath: "/usr/bin/chromium",
        args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
      });
      try {
        const page = await browser.newPage();
        const problems: string[] = [];
        page.on("pageerror", (error) => problems.push(error.message));
        page.on("console", (message) => void (message.type() === "error" && problems.push(message.text())));
        page.on("request", (request) => void (new URL(request.url()).hostname !== "127.0.0.1" && problems.push(`request to ${request.url()}`)));
        await page.goto(/Orchestrix inspector: (\S+)/.exec(printed)![1]!);
        await page.locator("#connection.conn-on").waitFor();
        await page.locator('.run-item[data-name="hello-1"]').click();
        await page.locator('#graph [data-state="hello.steps.greet"].ox-mark-completed').waitFor();
        expect(problems).toEqual([]);
      } finally {
        await browser.close();
      }
    } finally {
      process.kill(-inspector.pid!, "SIGINT");
    }

    // A module that fails to load says what failed, not a hint about loaders.
    writeFileSync(join(project, "broken.ts"), 'const n: number = 1;\nthrow new Error(`broken at import ${n}`);\n');
    const broken = await sh("npx orchestrix run ./broken.ts", project);
    expect(broken.code).toBe(1);
    expect(broken.stderr.trim()).toBe("orchestrix: Could not load the flows module ./broken.ts: broken at import 1");
  });

  it("runs a .mjs module without tsx, and asks for tsx in one line when given a .ts module", async () => {
    const project = await newProject("app-js", ["npm install orchestrix"]);
    writeFileSync(
      join(project, "flows.mjs"),
      'import { create } from "orchestrix";\nexport const hello = create("hello").step("greet", (ctx) => `hello ${ctx.input.name}`);\n',
    );
    const run = await ok(`npx orchestrix run ./flows.mjs --input '{"name":"Ada"}' --store sqlite:runs.db --run-id js-1`, project);
    expect(run.stdout).toMatch(/Run js-1 of flow hello: completed/);
    expect((await ok("npx orchestrix runs list --store sqlite:runs.db", project)).stdout).toMatch(/^js-1 +hello +completed /m);
    await ok("npx orchestrix export ./flows.mjs --format mermaid --out machines", project);
    expect(readFileSync(join(project, "machines", "hello.mmd"), "utf8")).toMatch(/^stateDiagram-v2/);

    writeFileSync(join(project, "flows.ts"), 'export const nothing: number = 1;\n');
    const ts = await sh("npx orchestrix run ./flows.ts", project);
    expect(ts.code).toBe(1);
    expect(ts.stderr.trim().split("\n")).toHaveLength(1);
    expect(ts.stderr).toContain("is a TypeScript module and no TypeScript loader is active: loading it needs tsx in your project (npm install -D tsx)");
  });
});

describe("a fresh clone", () => {
  it("runs every command of the README's Quick start and Command line sections as written", async () => {
    const quickStart = commandsOf("Quick start");
    expect(quickStart).toEqual(["npm install", "npm start", "npm test", "npm run test:e2e"]);
    // `npm install` is the linked node_modules; `npm test` runs in CI beside this, and `npm run test:e2e` is this run.
    const start = await ok("npm start", clone);
    expect(start.stdout).toContain("Payment successful!");
    expect(start.stdout).toContain("stock still reserved: 0");

    const commands = commandsOf("Command line");
    expect(commands).toHaveLength(5);
    for (const command of commands.filter((line) => !line.includes(" inspect"))) {
      const { stdout } = await ok(command, clone);
      // examples/flows.ts has no side effects: loading it runs no order of its own.
      expect(stdout, command).not.toContain("Payment successful");
      if (command.includes("-- run ")) expect(stdout).toMatch(/Run order-1 of flow payment-saga: completed/);
      if (command.includes("runs list")) expect(stdout).toMatch(/^order-1 +payment-saga +completed /m);
      if (command.includes("runs show")) expect(stdout).toMatch(/^Run +order-1$/m);
    }
    // The export of examples/flows.ts is the machines/ kept in the repository.
    for (const file of ["payment-saga.json", "payment-saga.mmd", "payment-saga.svg"]) {
      expect(readFileSync(join(clone, "machines", file), "utf8"), file).toBe(readFileSync(join(ROOT, "machines", file), "utf8"));
    }

    const inspect = commands.find((line) => line.includes(" inspect"))!;
    const served = await serveUntilUrl(inspect, clone);
    expect(served).toMatch(/^Orchestrix inspector: http:\/\/127\.0\.0\.1:\d+\/$/m);
  });
});

/**
 * Starts a serving command, waits for the URL it prints, then stops it with Ctrl-C. When the
 * README's port is taken on this machine (another inspector), it is run again with `--port 0`.
 */
async function serveUntilUrl(command: string, cwd: string): Promise<string> {
  for (const line of [command, `${command} --port 0`]) {
    // Its own process group, like a terminal's foreground job: Ctrl-C reaches npm and the CLI alike.
    const child = spawn("/bin/sh", ["-c", `exec ${line}`], { cwd, env: userEnv(), detached: true });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const outcome = await new Promise<"served" | "busy">((resolve, reject) => {
      const timer = setInterval(() => {
        if (/Orchestrix inspector: /.test(stdout)) {
          clearInterval(timer);
          resolve("served");
        }
      }, 20);
      child.on("close", (code) => {
        clearInterval(timer);
        if (/already in use/.test(stderr)) resolve("busy");
        else reject(new Error(`${line} exited ${code} before serving: ${stdout}${stderr}`));
      });
    });
    if (outcome === "busy") continue;
    const closed = new Promise((resolve) => child.on("close", resolve));
    // Ctrl-C: the CLI stops serving and exits, and npm with it.
    process.kill(-child.pid!, "SIGINT");
    await closed;
    return stdout;
  }
  throw new Error(`${command}: the port is taken, and so was any free one`);
}
