// @ts-check
import { existsSync } from "node:fs";
import { SetupError, run, runStep } from "./process.mjs";

const DEFAULT_CHROMIUM = "/usr/bin/chromium";

/**
 * Makes sure Debian's Chromium is installed for the browser tests, installing it with apt-get
 * when we are root or have passwordless sudo. Test tools never download a browser themselves.
 * @param {NodeJS.ProcessEnv} env
 * @returns {Promise<string>} the browser's path
 */
export async function ensureChromium(env) {
  const browser = env.WHARF_CHROMIUM || DEFAULT_CHROMIUM;
  if (existsSync(browser)) return browser;
  const manual = "Install Debian's Chromium (sudo apt-get install chromium), or point WHARF_CHROMIUM at a Chromium binary.";
  if (browser !== DEFAULT_CHROMIUM) throw new SetupError(`WHARF_CHROMIUM is ${browser}, which does not exist.`, manual);

  const isRoot = process.getuid?.() === 0;
  const sudo = isRoot ? null : await run("sudo", ["-n", "true"], { quiet: true }).catch(() => null);
  if (!isRoot && sudo?.code !== 0) throw new SetupError(`Chromium is not installed at ${DEFAULT_CHROMIUM}.`, manual);

  const prefix = isRoot ? [] : ["sudo", "-n", "env", "DEBIAN_FRONTEND=noninteractive"];
  const aptEnv = { ...env, DEBIAN_FRONTEND: "noninteractive" };
  /** @param {string[]} args */
  const apt = (args) => {
    const [command, ...rest] = [...prefix, "apt-get", ...args];
    return runStep("Installing Chromium", /** @type {string} */ (command), rest, { env: aptEnv, quiet: true, hint: manual });
  };
  console.log("wharf: installing Debian's chromium package for the browser tests (apt-get)");
  await apt(["update", "-qq"]);
  await apt(["install", "-y", "-qq", "--no-install-recommends", "chromium"]);
  if (!existsSync(DEFAULT_CHROMIUM)) throw new SetupError(`apt-get installed chromium but ${DEFAULT_CHROMIUM} is missing.`, manual);
  return DEFAULT_CHROMIUM;
}
