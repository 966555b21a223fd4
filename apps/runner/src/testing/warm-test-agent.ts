import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

/**
 * Vitest global setup: starts the scripted test agent once outside the sandbox, so that the
 * compile cache beside its package holds its code before the first sandboxed agent (which reads
 * that cache but cannot write it) starts. Each start then costs about half the CPU.
 */
export default function setup(): void {
  const bin = fileURLToPath(new URL("../../node_modules/@wharf/test-agent/bin/wharf-test-agent.mjs", import.meta.url));
  execFileSync(process.execPath, [bin], { stdio: ["ignore", "ignore", "inherit"] });
}
