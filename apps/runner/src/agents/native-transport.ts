import { configVars, nativeAgentBin } from "@wharf/native-agent";
import { AgentError, type AgentSession, type AgentSpec, type AgentTransport, type PrewarmTarget, type StartOptions } from "./transport";

/**
 * `native`: Wharf's built-in agent (`@wharf/native-agent`), which thinks with an OpenAI-compatible
 * chat completions endpoint. It is an ACP agent like any other, started by the ACP transport (warm
 * agents included), so its file and terminal access, permissions and timeline are the same code
 * paths. The agent row's
 * `command`/`args` are not run; its `env` holds WHARF_NATIVE_BASE_URL and WHARF_NATIVE_MODEL and
 * its `secretEnv` WHARF_NATIVE_API_KEY, which reach the agent process but not the commands it runs.
 */

const configNames = new Set<string>(Object.values(configVars));

/** The environment for the agent's terminals: everything but its own configuration (the API key above all). */
function withoutNativeConfig(env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !configNames.has(name)));
}

/** What the ACP transport runs for a native agent row: Wharf's own agent, on this Node. */
function asAcpAgent(agent: AgentSpec): AgentSpec {
  return { ...agent, command: process.execPath, args: [nativeAgentBin] };
}

function missingConfig(env: Record<string, string>): string[] {
  return [configVars.baseUrl, configVars.model].filter((name) => !env[name]?.trim());
}

/** The native transport over `acp`, the ACP transport the registry returns for `acp` (warm agents included). */
export function nativeTransport(acp: AgentTransport): AgentTransport {
  return {
    async start(opts: StartOptions): Promise<AgentSession> {
      const missing = missingConfig(opts.env);
      if (missing.length > 0) {
        throw new AgentError({
          agentName: opts.agent.name,
          stage: "spawn",
          what: `is a native agent without ${missing.join(" and ")}; set them in the agent's environment (e.g. WHARF_NATIVE_BASE_URL=http://127.0.0.1:11434/v1 and WHARF_NATIVE_MODEL=qwen2.5-coder:7b) and retry`,
        });
      }
      return acp.start({ ...opts, agent: asAcpAgent(opts.agent), terminalEnv: withoutNativeConfig(opts.terminalEnv ?? opts.env) });
    },
    prewarm(agent: AgentSpec, env: Record<string, string>, task?: PrewarmTarget): void {
      // A half-configured agent fails at start with the message above; nothing to start ahead.
      if (missingConfig(env).length === 0) acp.prewarm?.(asAcpAgent(agent), env, task);
    },
  };
}
