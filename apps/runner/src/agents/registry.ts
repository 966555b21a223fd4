import { acpTransport } from "./acp-transport";
import { ptyTransport } from "./pty-transport";
import type { AgentSpec, AgentTransport } from "./transport";

/** Transport id → implementation. The native transport joins here when it exists. */
export const transports: Partial<Record<AgentSpec["transport"], AgentTransport>> = {
  acp: acpTransport,
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
