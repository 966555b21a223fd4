/*
 * The tool calls Wharf itself adds to a task's timeline (its setup step, its services), named by
 * their id prefix. This module imports nothing: the browser reads these calls without loading a
 * schema library (`@wharf/api/tool-calls`).
 */

export const setupToolCallPrefix = "wharf-setup-";
export const serviceToolCallPrefix = "wharf-service-";

/** Ports one service may ask for (PORT, PORT_<NAME>_2, …). */
export const SERVICE_PORTS_MAX = 8;

/**
 * What a service's `tool_call` carries in `rawInput`: the service, the ports it was given and
 * their loopback URLs. The task page's Services panel reads its services from these events (the
 * call's status: in_progress while it runs) and their logs from the call's terminal.
 */
export type ServiceCallInput = { service: string; command: string; ports: number[]; urls: string[] };

const servicePattern = /^[A-Za-z][A-Za-z0-9_-]{0,39}$/;

/**
 * A service call's input, or null for anything else: the id prefix alone proves nothing (an agent
 * may name its own tool calls), so every field is checked.
 */
export function readServiceCallInput(value: unknown): ServiceCallInput | null {
  if (typeof value !== "object" || value === null) return null;
  const { service, command, ports, urls } = value as Record<string, unknown>;
  if (typeof service !== "string" || !servicePattern.test(service) || typeof command !== "string") return null;
  if (!Array.isArray(ports) || ports.length > SERVICE_PORTS_MAX || !ports.every((p) => Number.isInteger(p) && p >= 1 && p <= 65535)) return null;
  if (!Array.isArray(urls) || urls.length > SERVICE_PORTS_MAX || !urls.every((u) => typeof u === "string")) return null;
  return { service, command, ports: ports as number[], urls };
}
