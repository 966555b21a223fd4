import { onTestFinished } from "vitest";
import { activeSandbox, configureSandbox } from "../sandbox";

/**
 * Turns the OS sandbox off until the current test ends, for tests whose assertions need what the
 * sandbox hides: host process ids (its own PID namespace numbers processes anew) or files the
 * agent writes outside its worktree. What the sandbox does is tested in sandbox/ and in the
 * client's hostile-agent test.
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
