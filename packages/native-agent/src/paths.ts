import { fileURLToPath } from "node:url";

/** Absolute path of the agent's executable (run it with `node`, or directly: it has a shebang). */
export const nativeAgentBin = fileURLToPath(new URL("../bin/wharf-native-agent.mjs", import.meta.url));
