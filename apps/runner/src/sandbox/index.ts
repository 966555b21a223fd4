import { readSandboxEnv } from "../env";
import { detectSandbox, Sandbox, type SandboxSettings } from "./sandbox";

export { Sandbox, SandboxUnavailableError, agentExitOfBwrap, enableHint, type SandboxMode, type SandboxSettings } from "./sandbox";

let active: Sandbox | undefined;
const detected: Sandbox[] = [];

/**
 * Decides, once, whether this process's agents run sandboxed (the runner's startup calls it with its
 * environment; anything that spawns agents before that gets the same decision from the process
 * environment). A runner given its own sandbox mode (`RunnerOptions.sandbox`) uses `sandboxFor`
 * and leaves this decision alone.
 */
export function configureSandbox(settings: SandboxSettings): Sandbox {
  active = sandboxFor(settings);
  return active;
}

/** The sandbox for these settings; detection runs once per distinct settings. */
export function sandboxFor(settings: SandboxSettings): Sandbox {
  const known = detected.find((s) => sameSettings(s.settings, settings));
  if (known) return known;
  const sandbox = new Sandbox(detectSandbox(settings), settings);
  detected.push(sandbox);
  return sandbox;
}

export function activeSandbox(): Sandbox {
  return active ?? configureSandbox(readSandboxEnv());
}

function sameSettings(a: SandboxSettings, b: SandboxSettings): boolean {
  return a.mode === b.mode && a.home === b.home && a.databaseUrl === b.databaseUrl && a.bwrap === b.bwrap && a.path === b.path;
}
