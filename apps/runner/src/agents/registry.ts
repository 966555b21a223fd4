import { acpTransport } from "./acp-transport";
import { nativeTransport } from "./native-transport";
import { ptyTransport } from "./pty-transport";
import type { AgentSpec, AgentTransport } from "./transport";

/** Transport id → implementation: ACP agents, the built-in native agent (itself an ACP agent), and terminal programs. */
export const transports: Partial<Record<AgentSpec["transport"], AgentTransport>> = {
  acp: acpTransport,
  native: nativeTransport,
  pty: ptyTransport,
};

export class UnsupportedTransportError extends Error {
  constructor(readonly transport: string) {
    super(`Agent transport "${transport}" is not supported by this runner (supported: ${Object.keys(transports).join(", ")})`);
    this.name = "UnsupportedTransportError";
  }
}

export function transportFor(transport: AgentSpec["transport"]): AgentTransport {
  const found = transports[transport];
  if (!found) throw new UnsupportedTransportError(transport);
  return found;
}
