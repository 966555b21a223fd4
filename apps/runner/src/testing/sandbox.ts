import { activeSandbox, Sandbox } from "../sandbox";

/**
 * The sandboxes tests choose between, per spawn (`SpawnOptions.sandbox`) or per transport
 * (`sandbox` in `createTransports` / the ACP and PTY transports) or per runner (`RunnerOptions.sandbox`, `startStack({ sandbox })`), never for the whole process: tests in a
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
