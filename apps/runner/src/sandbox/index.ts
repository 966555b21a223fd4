import { readSandboxEnv } from "../env";
import { detectSandbox, Sandbox, type SandboxSettings } from "./sandbox";

export { Sandbox, SandboxUnavailableError, enableHint, type SandboxSettings } from "./sandbox";

let active: Sandbox | undefined;

/**
 * Decides, once, whether this process's agents run sandboxed (the runner calls it at start with its
 * environment; anything that spawns agents before that gets the same decision from the process
 * environment). Detection runs again only when the settings change.
 */
export function configureSandbox(settings: SandboxSettings): Sandbox {
  if (active && sameSettings(active.settings, settings)) return active;
  active = new Sandbox(detectSandbox(settings), settings);
  return active;
}

export function activeSandbox(): Sandbox {
  return active ?? configureSandbox(readSandboxEnv());
}

function sameSettings(a: SandboxSettings, b: SandboxSettings): boolean {
  return a.mode === b.mode && a.home === b.home && a.databaseUrl === b.databaseUrl && a.bwrap === b.bwrap && a.path === b.path;
}
