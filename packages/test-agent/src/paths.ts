import { fileURLToPath } from "node:url";

/** Absolute path of the agent's executable (run it with `node`, or directly: it has a shebang). */
export const testAgentBin = fileURLToPath(new URL("../bin/wharf-test-agent.mjs", import.meta.url));

/** Absolute path of the shipped named scenarios. */
export const scenariosDir = fileURLToPath(new URL("./scenarios/", import.meta.url));

/** A hostile agent for sandbox tests: probes what it can reach outside its worktree (see the file). */
export const hostileAgentBin = fileURLToPath(new URL("../bin/wharf-hostile-agent.mjs", import.meta.url));
