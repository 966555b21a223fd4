import { AcpTransport, type WarmOptions } from "./acp-transport";
import { nativeTransport } from "./native-transport";
import { ptyTransport } from "./pty-transport";
import type { Sandbox } from "../sandbox";
import type { AgentSpec, AgentTransport } from "./transport";

/**
 * Transport id → implementation: ACP agents (started ahead when `warm` is given), the built-in
 * native agent (the same ACP transport running Wharf's own agent), and terminal programs. This is
 * the one path from a task's agent row to its process.
 */
export type AgentTransports = {
  transportFor(transport: AgentSpec["transport"]): AgentTransport;
  /** Stops the warm agents and starts no more; resolves once their processes are gone. */
  close(): Promise<void>;
};

class UnsupportedTransportError extends Error {
  constructor(
    readonly transport: string,
    supported: string[],
  ) {
    super(`Agent transport "${transport}" is not supported by this runner (supported: ${supported.join(", ")})`);
    this.name = "UnsupportedTransportError";
  }
}

/** `sandbox`: what every agent and terminal of these transports runs in (the process's decision when not given). */
export function createTransports(opts: { warm?: WarmOptions; sandbox?: Sandbox } = {}): AgentTransports {
  const acp = new AcpTransport(opts.warm, opts.sandbox);
  const transports: Partial<Record<AgentSpec["transport"], AgentTransport>> = {
    acp,
    native: nativeTransport(acp),
    pty: ptyTransport(opts.sandbox),
  };
  return {
    transportFor(transport) {
      const found = transports[transport];
      if (!found) throw new UnsupportedTransportError(transport, Object.keys(transports));
      return found;
    },
    close: () => acp.close(),
  };
}
