import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { StepOf } from "./scenario-schema.ts";
import { sessionPath, writeStderr, type StepOutcome, type TurnContext } from "./turn-context.ts";

/** One tool call as the `mcp` step records it. */
type CallRecord = { tool: string; isError: boolean; result: unknown };

/** The call's text content, parsed as JSON when it is JSON. */
function resultOf(content: unknown): unknown {
  const texts = Array.isArray(content) ? content.flatMap((c: { type?: string; text?: string }) => (c.type === "text" && typeof c.text === "string" ? [c.text] : [])) : [];
  const text = texts.join("\n");
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** `"$name.a.b"` → saved[name].a.b; other values as they are, arrays and objects walked. */
function substitute(value: unknown, saved: Map<string, unknown>): unknown {
  if (typeof value === "string" && value.startsWith("$")) {
    const [name, ...fields] = value.slice(1).split(".");
    if (!saved.has(name!)) throw new Error(`mcp step: "${value}" names no earlier call saved as "${name}"`);
    return fields.reduce<unknown>((v, f) => (v && typeof v === "object" ? (v as Record<string, unknown>)[f] : undefined), saved.get(name!));
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, saved));
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, saved)]));
  return value;
}

/** Starts the session's stdio MCP server `step.server` and calls its tools in order (see the `mcp` step). */
export async function runMcpStep(ctx: TurnContext, step: StepOf<"mcp">): Promise<StepOutcome> {
  const server = ctx.session.mcpServers.find((s) => s.name === step.server);
  if (!server || !("command" in server)) {
    const names = ctx.session.mcpServers.map((s) => s.name).join(", ") || "none";
    throw new Error(`mcp step: the session has no stdio MCP server "${step.server}" (it has: ${names})`);
  }
  const transport = new StdioClientTransport({
    command: server.command,
    args: server.args,
    env: Object.fromEntries(server.env.map((e) => [e.name, e.value])),
    cwd: ctx.session.cwd,
    stderr: "pipe",
  });
  transport.stderr?.on("data", (chunk: Buffer) => void writeStderr(`mcp ${step.server}: ${chunk.toString()}`));
  const client = new Client({ name: "wharf-test-agent", version: "1.0.0" });
  const records: CallRecord[] = [];
  const saved = new Map<string, unknown>();
  try {
    await client.connect(transport);
    for (const call of step.calls) {
      const answer = await client.callTool({ name: call.tool, arguments: substitute(call.arguments, saved) as Record<string, unknown> }, undefined, {
        timeout: call.timeoutMs,
        signal: ctx.signal,
      });
      const record = { tool: call.tool, isError: answer.isError === true, result: resultOf(answer.content) };
      records.push(record);
      if (call.as) saved.set(call.as, record.result);
    }
  } finally {
    await client.close();
    const file = sessionPath(ctx, step.record);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, `${JSON.stringify(records, null, 2)}\n`);
  }
  return undefined;
}
