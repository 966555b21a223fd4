#!/usr/bin/env node
// @ts-check
// `./wharf start [--no-runner] | runner | test | bench`. Runs on the system Node (18+): it installs the toolchain
// Wharf itself needs (Node 24, pnpm) before anything else.
import { existsSync, readFileSync, writeSync } from "node:fs";
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ensureDependencies, prepare } from "./bootstrap/install.mjs";
import { ensureBubblewrap } from "./bootstrap/bubblewrap.mjs";
import { SetupError, run, runStep } from "./bootstrap/process.mjs";
import { runAllTests } from "./bootstrap/test.mjs";
import { ensureToolchain } from "./bootstrap/toolchain.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

const USAGE = `Usage: ./wharf <command>

  start   install what is missing, build, and start Wharf (web + runner + database)
          --no-runner: web (+ database) only; tasks run on runners started with ./wharf runner
  runner  start only a runner, against the database of a Wharf started elsewhere (DATABASE_URL
          required; see "Scaling out" in README.md)
  test    install what is missing and run every test (typecheck, lint, vitest, Playwright)
  bench   run the benchmarks (./wharf bench --help lists their options)

Environment: WHARF_PORT (default 7777), WHARF_HOST (default 127.0.0.1), DATABASE_URL (default:
an embedded PostgreSQL in WHARF_HOME), WHARF_HOME (default ~/.local/share/wharf).`;

/**
 * Builds the launcher (scripts/launcher/build.mjs → scripts/dist/launcher.mjs, well under a
 * second), so it always runs the current sources on plain Node.
 * @param {import("./bootstrap/toolchain.mjs").Toolchain} tc
 */
async function buildLauncher(tc) {
  await runStep("Building the launcher", tc.node, [path.join(root, "scripts", "launcher", "build.mjs")], { cwd: root, env: tc.env, quiet: true });
  return path.join(root, "scripts", "dist", "launcher.mjs");
}

/**
 * Hands the launcher over to ./wharf, which runs it in place of this process (one Node process
 * stays, not two): the node binary, the PATH to run it with, the launcher and its argument (the
 * role), one per line, on the file descriptor ./wharf opened for it.
 * @param {import("./bootstrap/toolchain.mjs").Toolchain} tc
 * @param {string} launcher
 * @param {string} roleArg
 * @param {number} fd
 */
function handOver(tc, launcher, roleArg, fd) {
  const lines = [tc.node, tc.env.PATH ?? "", launcher, roleArg, launcherNodeFlags.join(" ")];
  if (lines.some((line) => line.includes("\n"))) throw new SetupError("A path of the toolchain contains a line break; move it elsewhere.");
  writeSync(fd, `${lines.join("\n")}\n`);
  return 0;
}

/**
 * The launcher only supervises (it spends its life waiting), so it runs small: a 1 MiB young
 * generation and V8's lite mode (no optimising compiler, less code kept). Together they take about
 * 10 MiB off its PSS. Web and runner keep the optimiser (`serverNodeFlags`).
 */
const launcherNodeFlags = ["--max-semi-space-size=1", "--lite-mode"];

/**
 * Without ./wharf (node scripts/wharf.mjs start): runs the launcher as a child in its own process
 * group and passes stop signals on to it.
 * @param {import("./bootstrap/toolchain.mjs").Toolchain} tc
 * @param {string} launcher
 * @param {string} roleArg
 * @returns {Promise<number>}
 */
function launch(tc, launcher, roleArg) {
  return new Promise((resolve) => {
    const child = spawn(tc.node, [...launcherNodeFlags, launcher, roleArg], { cwd: root, env: tc.env, stdio: ["ignore", "inherit", "inherit"], detached: true });
    /** @param {NodeJS.Signals} signal */
    const forward = (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    };
    for (const signal of /** @type {const} */ (["SIGINT", "SIGTERM", "SIGHUP"])) process.on(signal, forward);
    child.on("error", (error) => {
      console.error(`wharf: could not start the launcher: ${error.message}`);
      resolve(1);
    });
    child.on("close", (code, signal) => resolve(code ?? (signal === "SIGINT" || signal === "SIGTERM" ? 0 : 1)));
  });
}

/**
 * The launcher's role from the command line: `start` (all), `start --no-runner` (web), `runner`.
 * @param {string} command
 * @param {string[]} args
 */
function roleOf(command, args) {
  if (command === "runner" && args.length === 0) return "runner";
  if (command === "start" && args.length === 0) return "all";
  if (command === "start" && args.length === 1 && args[0] === "--no-runner") return "web";
  throw new SetupError(`"${[command, ...args].join(" ")}" is not a way to start Wharf.`, `Use ./wharf start, ./wharf start --no-runner or ./wharf runner.`);
}

/** @param {string | undefined} command */
async function main(command) {
  switch (command) {
    case "start":
    case "runner": {
      const roleArg = `--role=${roleOf(command, process.argv.slice(3))}`;
      // A runner needs no DATABASE_URL to be built, but it is the first thing it needs to run: say so
      // before minutes of installing.
      if (command === "runner" && !process.env.DATABASE_URL) {
        throw new SetupError(
          "./wharf runner joins the database of a Wharf started elsewhere, and DATABASE_URL is not set.",
          `Set DATABASE_URL to that PostgreSQL, e.g. DATABASE_URL=postgres://wharf:PASSWORD@db-host:5432/wharf ./wharf runner (see "Scaling out" in README.md).`,
        );
      }
      const tc = await ensureToolchain(root, process.env);
      await prepare(root, tc);
      await ensureBubblewrap(tc.env);
      const launcher = await buildLauncher(tc);
      const fd = Number(process.env.WHARF_LAUNCH_FD);
      return Number.isInteger(fd) && fd > 2 ? handOver(tc, launcher, roleArg, fd) : launch(tc, launcher, roleArg);
    }
    case "test": {
      const tc = await ensureToolchain(root, process.env);
      await prepare(root, tc);
      await ensureBubblewrap(tc.env);
      return runAllTests(root, tc);
    }
    case "bench": {
      const tc = await ensureToolchain(root, process.env);
      await ensureDependencies(root, tc);
      await ensureBubblewrap(tc.env); // the sandbox-cost figure needs it, as `start` does
      const manifest = path.join(root, "bench", "package.json");
      const pkg = existsSync(manifest) ? JSON.parse(readFileSync(manifest, "utf8")) : null;
      if (pkg?.name !== "@wharf/bench" || !pkg.scripts?.bench) {
        console.error("wharf: there are no benchmarks yet (no @wharf/bench package with a \"bench\" script in bench/).");
        return 1;
      }
      // Options after `bench` (e.g. --quick, --only dispatch,notify) go to the benchmarks.
      return (await run(tc.pnpm, ["--filter", "@wharf/bench", "run", "bench", ...process.argv.slice(3)], { cwd: root, env: tc.env })).code;
    }
    case undefined:
    case "help":
    case "--help":
    case "-h":
      console.log(USAGE);
      return command === undefined ? 1 : 0;
    default:
      console.error(`wharf: unknown command "${command}".\n\n${USAGE}`);
      return 1;
  }
}

main(process.argv[2]).then(
  (code) => process.exit(code),
  (error) => {
    if (error instanceof SetupError) {
      console.error(`wharf: ${error.message}${error.hint ? `\n  ${error.hint}` : ""}`);
    } else {
      console.error("wharf: unexpected error", error);
    }
    process.exit(1);
  },
);
