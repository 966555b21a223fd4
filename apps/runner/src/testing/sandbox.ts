import { onTestFinished } from "vitest";
import { activeSandbox, configureSandbox, Sandbox } from "../sandbox";

/**
 * The sandboxes tests choose between, per spawn (`SpawnOptions.sandbox`) or per transport
 * (`sandbox` in `createTransports` / the ACP transport), never for the whole process: tests in a
 * `describe.concurrent` block must not turn the sandbox off for each other.
 *
 * `unsandboxed()` is for tests whose assertions need what the sandbox hides: host process ids (its
 * own PID namespace numbers processes anew) or files the agent writes outside its worktree. What
 * the sandbox does is tested in sandbox/ and in the client's hostile-agent test.
 */
export function unsandboxed(): Sandbox {
  const settings = { ...activeSandbox().settings, mode: "off" as const };
  return new Sandbox({ on: false, mode: "off", reason: "turned off for this test" }, settings);
}

/** The runner's sandbox, as the runner decides it (on wherever bubblewrap works). */
export function runnerSandbox(): Sandbox {
  return activeSandbox();
}

/**
 * The process-wide switch, for the tests that start agents through a whole runner in this
 * process and have no per-transport option yet. Not safe in `describe.concurrent` blocks.
 */
export function sandboxOffForTest(): void {
  const before = activeSandbox().settings;
  configureSandbox({ ...before, mode: "off" });
  onTestFinished(() => {
    configureSandbox(before);
  });
}

/** The same for a whole file (call it in beforeAll). */
export function sandboxOffForFile(): void {
  configureSandbox({ ...activeSandbox().settings, mode: "off" });
}
