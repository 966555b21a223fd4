import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { createWharfClient, errorKind, type WharfClient } from "@wharf/client";

/*
 * `wharf mcp`: Wharf's own MCP server, over stdio. An agent whose project enables it gets it in its
 * session (the runner adds it with WHARF_URL and a token scoped to the agent's task in its env),
 * and can split its work into subtasks of its task: create them, list them, read them, wait for
 * one. Each tool answers through the typed client; what the token may not do comes back as an
 * error result (isError) with Wharf's message.
 */

const envSchema = z.object({
  WHARF_URL: z.url({ protocol: /^https?$/, error: "WHARF_URL must be Wharf's http(s) address." }),
  WHARF_TASK_TOKEN: z.string().startsWith("wharf_task_", "WHARF_TASK_TOKEN must be a token scoped to a task (Wharf's runner gives one to the agent's session)."),
});

/** One call of a long wait; the API answers within this (see the mcp router's wait bound). */
const WAIT_CHUNK_S = 240;

const text = (value: unknown): CallToolResult => ({ content: [{ type: "text", text: JSON.stringify(value, null, 2) }] });

/** A refusal or failure as the agent reads it: Wharf's code and message. */
function failure(error: unknown): CallToolResult {
  const data: unknown = error instanceof Error ? (error as { data?: unknown }).data : undefined;
  const code = data && typeof data === "object" && "code" in data && typeof data.code === "string" ? data.code : errorKind(error).toUpperCase();
  const message = error instanceof Error ? error.message : String(error);
  return { isError: true, content: [{ type: "text", text: `${code}: ${message}` }] };
}

async function answer(work: () => Promise<unknown>): Promise<CallToolResult> {
  try {
    return text(await work());
  } catch (error) {
    return failure(error);
  }
}

const taskId = z.string().uuid("Task ids are UUIDs (see list_tasks).");

/** The MCP server's tools on a client holding a task's token. */
function wharfMcpServer(client: WharfClient): McpServer {
  const server = new McpServer({ name: "wharf", version: "1.0.0" });
  server.registerTool(
    "create_subtask",
    {
      title: "Create a subtask",
      description:
        "Creates a subtask of your task on Wharf's board; an agent works on it in its own git worktree. " +
        "It waits (state blocked) until the subtasks named in depends_on reach review, then runs by itself. Returns the subtask.",
      inputSchema: {
        prompt: z.string().min(1).max(100_000).describe("What the subtask's agent should do."),
        agent: z.string().min(1).max(100).optional().describe("The agent id to run it (default: your own agent)."),
        depends_on: z.array(taskId).max(20).optional().describe("Ids of your earlier subtasks this one waits for."),
        model: z.string().min(1).max(200).optional(),
        mode: z.string().min(1).max(200).optional(),
      },
    },
    ({ prompt, agent, depends_on, model, mode }) =>
      answer(() =>
        client.mcp.createSubtask.mutate({
          prompt,
          ...(agent !== undefined && { agentId: agent }),
          ...(depends_on !== undefined && { dependsOn: depends_on }),
          ...(model !== undefined && { model }),
          ...(mode !== undefined && { mode }),
        }),
      ),
  );
  server.registerTool(
    "list_tasks",
    { title: "List your subtasks", description: "Your task and its subtasks, oldest first: state, summary, error, change stats, dependencies." },
    () => answer(() => client.mcp.listTasks.query()),
  );
  server.registerTool(
    "get_task",
    {
      title: "Read a subtask",
      description: "One of your subtasks (or your own task): state, summary, error, files and lines changed, dependencies.",
      inputSchema: { id: taskId },
    },
    ({ id }) => answer(() => client.mcp.getTask.query({ id })),
  );
  server.registerTool(
    "wait_for_task",
    {
      title: "Wait for a subtask",
      description:
        "Waits until a subtask settles (review, completed, failed, cancelled, or blocked by a failed dependency) and returns it. " +
        "After timeout_seconds (default 50, under the usual 60 s MCP client timeout) it returns the subtask as it is, with timedOut: true; call it again to wait longer.",
      inputSchema: { id: taskId, timeout_seconds: z.number().int().min(1).max(3600).default(50) },
    },
    ({ id, timeout_seconds }) =>
      answer(async () => {
        const deadline = Date.now() + timeout_seconds * 1000;
        for (;;) {
          const left = Math.max(1, Math.min(WAIT_CHUNK_S, Math.ceil((deadline - Date.now()) / 1000)));
          const result = await client.mcp.waitForTask.query({ id, timeoutSeconds: left });
          if (!result.timedOut || Date.now() >= deadline) return result;
        }
      }),
  );
  return server;
}

/** Runs the server on stdin/stdout until the agent closes it; the exit code when it cannot start. */
export async function runMcpServer(env: NodeJS.ProcessEnv): Promise<number> {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    process.stderr.write(
      `wharf mcp: ${parsed.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`).join("; ")}\n` +
        "It is started by an agent whose project enables Wharf's MCP server; the runner sets both variables.\n",
    );
    return 2;
  }
  const client = createWharfClient({ url: parsed.data.WHARF_URL, token: parsed.data.WHARF_TASK_TOKEN, actor: "mcp" });
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = resolve;
  });
  await wharfMcpServer(client).connect(transport);
  process.stdin.once("end", () => void transport.close());
  await closed;
  return 0;
}
