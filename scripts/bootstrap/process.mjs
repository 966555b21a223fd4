// @ts-check
import { spawn } from "node:child_process";

/** A set-up step that cannot go on; `hint` tells the person what to do. */
export class SetupError extends Error {
  /**
   * @param {string} message
   * @param {string} [hint]
   */
  constructor(message, hint) {
    super(message);
    this.name = "SetupError";
    this.hint = hint;
  }
}

const TEE_LIMIT = 512 * 1024;

/**
 * Runs a command with no stdin; resolves with its exit code (a signal counts as failure).
 * Output is inherited, captured (`quiet`), or both shown and captured (`tee`, last 512 KiB kept).
 * @param {string} command
 * @param {string[]} args
 * @param {{ cwd?: string; env?: NodeJS.ProcessEnv; quiet?: boolean; tee?: boolean }} [options]
 * @returns {Promise<{ code: number; output: string }>}
 */
export function run(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const capture = options.quiet || options.tee;
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ["ignore", capture ? "pipe" : "inherit", capture ? "pipe" : "inherit"],
    });
    let output = "";
    /** @param {NodeJS.WriteStream} sink */
    const collect = (sink) => (/** @type {Buffer} */ chunk) => {
      if (options.tee) sink.write(chunk);
      output += chunk.toString();
      if (output.length > TEE_LIMIT * 2) output = output.slice(-TEE_LIMIT);
    };
    child.stdout?.on("data", collect(process.stdout));
    child.stderr?.on("data", collect(process.stderr));
    child.on("error", (error) => reject(new SetupError(`Could not run ${command}: ${error.message}`)));
    child.on("close", (code, signal) => {
      if (signal) {
        output += `\n(${command} was stopped by ${signal})`;
      }
      resolve({ code: code ?? 1, output });
    });
  });
}

/**
 * Runs a command and throws a SetupError naming the step when it fails.
 * @param {string} step
 * @param {string} command
 * @param {string[]} args
 * @param {{ cwd?: string; env?: NodeJS.ProcessEnv; quiet?: boolean; hint?: string }} [options]
 */
export async function runStep(step, command, args, options = {}) {
  const { code, output } = await run(command, args, options);
  if (code !== 0) {
    if (options.quiet && output.trim()) process.stderr.write(`${output.trimEnd()}\n`);
    throw new SetupError(`${step} failed (${[command, ...args].join(" ")} exited with ${code}).`, options.hint);
  }
  return output;
}
