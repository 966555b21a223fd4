// @ts-check
import { existsSync } from "node:fs";
import { run } from "./process.mjs";

const DEFAULT_BWRAP = "/usr/bin/bwrap";

const manual =
  "Install it with `sudo apt-get install bubblewrap` (Debian/Ubuntu) or your system's bubblewrap package; " +
  "until then agents run with your full rights. Set WHARF_SANDBOX=require to refuse running agents unsandboxed.";

/**
 * Makes sure bubblewrap (Debian's `bubblewrap` package) is installed, the OS sandbox agents run
 * in, installing it with apt-get when we are root or have passwordless sudo. Unlike Chromium this
 * never stops Wharf: without it the runner says once that agents are not sandboxed (or, with
 * WHARF_SANDBOX=require, fails tasks with the same advice).
 * @param {NodeJS.ProcessEnv} env
 * @returns {Promise<string | null>} bwrap's path, or null when it is not installed
 */
export async function ensureBubblewrap(env) {
  if (env.WHARF_SANDBOX === "off") return null;
  const found = onPath(env);
  if (found) return found;
  if (process.platform !== "linux") return null;
  const isRoot = process.getuid?.() === 0;
  const sudo = isRoot ? null : await run("sudo", ["-n", "true"], { quiet: true }).catch(() => null);
  const hasApt = existsSync("/usr/bin/apt-get");
  if (!hasApt || (!isRoot && sudo?.code !== 0)) {
    console.log(`wharf: bubblewrap is not installed, so agents cannot be sandboxed. ${manual}`);
    return null;
  }
  const prefix = isRoot ? [] : ["sudo", "-n", "env", "DEBIAN_FRONTEND=noninteractive"];
  const aptEnv = { ...env, DEBIAN_FRONTEND: "noninteractive" };
  /** @param {string[]} args */
  const apt = async (args) => {
    const [command, ...rest] = [...prefix, "apt-get", ...args];
    return run(/** @type {string} */ (command), rest, { env: aptEnv, quiet: true });
  };
  console.log("wharf: installing Debian's bubblewrap package, the sandbox agents run in (apt-get)");
  let result = await apt(["install", "-y", "-qq", "--no-install-recommends", "bubblewrap"]);
  if (result.code !== 0) {
    await apt(["update", "-qq"]);
    result = await apt(["install", "-y", "-qq", "--no-install-recommends", "bubblewrap"]);
  }
  const installed = onPath(env);
  if (result.code !== 0 || !installed) {
    console.log(`wharf: installing bubblewrap failed${result.output ? `:\n${result.output.trim().split("\n").slice(-5).join("\n")}\n` : "."} ${manual}`);
    return null;
  }
  return installed;
}

/** @param {NodeJS.ProcessEnv} env */
function onPath(env) {
  if (existsSync(DEFAULT_BWRAP)) return DEFAULT_BWRAP;
  for (const dir of (env.PATH ?? "").split(":")) {
    if (dir && existsSync(`${dir}/bwrap`)) return `${dir}/bwrap`;
  }
  return null;
}
