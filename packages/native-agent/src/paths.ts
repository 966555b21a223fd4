import { fileURLToPath } from "node:url";

/**
 * Absolute path of the agent's executable (run it with `node`, or directly: it has a shebang).
 * Resolved by package name, not relative to this file: the runner is bundled into one module
 * (apps/runner/dist/main.mjs), where this file's URL is the bundle's.
 */
export const nativeAgentBin = fileURLToPath(import.meta.resolve("@wharf/native-agent/bin"));
