import { mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { lastMessage, startFakeOpenAi, type FakeOpenAi, type FakeReply, type FakeRequest } from "@wharf/native-agent/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { agentEnv } from "../agent-env";
import { AcpTransport } from "./acp-transport";
import { nativeTransport as overAcp } from "./native-transport";
import { RecordingHooks } from "./recording-hooks";
import { AgentError, type AgentSession } from "./transport";

/** The native transport on its own: the real agent process, a fake endpoint, recording hooks. */

const nativeTransport = overAcp(new AcpTransport());

let base: string;
const servers: FakeOpenAi[] = [];
const started: AgentSession[] = [];
beforeAll(async () => {
  base = await mkdtemp(path.join(tmpdir(), "wharf-native-"));
});
afterEach(async () => {
  for (const s of started.splice(0)) await s.close(1000);
  for (const s of servers.splice(0)) await s.close();
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

async function start(script: (request: FakeRequest) => FakeReply, extraEnv: Record<string, string> = {}, model?: string) {
  const server = await startFakeOpenAi(script);
  servers.push(server);
  const cwd = await mkdtemp(path.join(base, "wt-"));
  await writeFile(path.join(cwd, "notes.txt"), "inside\n");
  const hooks = new RecordingHooks();
  const session = await nativeTransport.start({
    agent: { id: "native", name: "Native test", transport: "native", command: "wharf-native-agent", args: [], env: {} },
    cwd,
    env: agentEnv(process.env, { WHARF_NATIVE_BASE_URL: server.baseUrl, WHARF_NATIVE_MODEL: "fake", ...extraEnv }),
    hooks,
    ...(model && { model }),
  });
  started.push(session);
  return { server, hooks, session, cwd };
}

const toolResults = (request: FakeRequest) => request.body.messages.filter((m) => m.role === "tool").map((m) => m.content ?? "");

describe("the native transport", () => {
  it("refuses to start without a base URL or model, saying which", async () => {
    const error = await nativeTransport
      .start({
        agent: { id: "n", name: "Half-configured", transport: "native", command: "wharf-native-agent", args: [], env: {} },
        cwd: base,
        env: agentEnv(process.env, { WHARF_NATIVE_MODEL: "m" }),
        hooks: new RecordingHooks(),
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AgentError);
    expect((error as Error).message).toMatch(/^Agent "Half-configured" is a native agent without WHARF_NATIVE_BASE_URL; set them/);
  });

  it("reports its model as its name and offers no session loading", async () => {
    const { session } = await start(() => ({ text: "hi" }));
    expect(session.info).toMatchObject({ name: "Native agent (fake)", loadSession: false });
  });

  it("offers the models of WHARF_NATIVE_MODEL and uses the one a task asks for", async () => {
    const { server, session } = await start(() => ({ text: "hi" }), { WHARF_NATIVE_MODEL: "small-coder, large-coder" }, "large-coder");
    expect(session.info).toMatchObject({ models: [{ id: "small-coder" }, { id: "large-coder" }], currentModel: "large-coder" });
    await session.prompt("hello");
    expect(server.requests.map((r) => r.body.model)).toEqual(["large-coder"]);
  });

  it("cancel aborts the request to the endpoint, and the session can be prompted again", async () => {
    const { server, hooks, session } = await start((request) =>
      lastMessage(request).content === "first" ? { hang: true, text: "Working on it" } : { text: "second answer" },
    );
    const turn = session.prompt("first");
    await hooks.nextEvent((e) => e.type === "message" && e.role === "agent");
    const started = Date.now();
    await session.cancel();
    await expect(turn).resolves.toEqual({ stopReason: "cancelled" });
    await server.abortedResponses(1);
    expect(Date.now() - started).toBeLessThan(2000);

    await expect(session.prompt("second")).resolves.toEqual({ stopReason: "end_turn" });
    const again = server.requests.at(-1)!;
    expect(again.body.messages.filter((m) => m.role === "user").map((m) => m.content)).toEqual(["first", "second"]);
  });

  it("keeps file access inside the worktree: .. paths and symlinks out are refused and the model is told", async () => {
    const { server, session, cwd } = await start((request) =>
      lastMessage(request).role === "user"
        ? {
            toolCalls: [
              { name: "read_file", args: { path: "../../../../etc/hostname" } },
              { name: "read_file", args: { path: "escape" } },
              { name: "read_file", args: { path: "notes.txt" } },
            ],
          }
        : { text: "done" },
    );
    await symlink("/etc/hostname", path.join(cwd, "escape"));
    await expect(session.prompt("read around")).resolves.toEqual({ stopReason: "end_turn" });
    const [dotdot, link, inside] = toolResults(server.requests.at(-1)!);
    expect(dotdot).toMatch(/^Error: \.\.\/\.\.\/\.\.\/\.\.\/etc\/hostname is outside the repository/);
    expect(link).toMatch(/^Error: could not read escape: .*outside/i);
    expect(inside).toBe("inside\n");
  });

  it("tells the model about unknown tools, bad arguments and edits it cannot make, and goes on", async () => {
    const { server, hooks, session, cwd } = await start((request) =>
      lastMessage(request).role === "user"
        ? {
            toolCalls: [
              { name: "delete_everything", args: {} },
              { name: "edit_file", args: { path: "notes.txt" } },
              { name: "edit_file", args: { path: "notes.txt", old_string: "outside", new_string: "x" } },
              { name: "edit_file", args: { path: "big.txt", old_string: "a", new_string: "b" } },
            ],
          }
        : { text: "sorry" },
    );
    await writeFile(path.join(cwd, "big.txt"), "a".repeat(1024 * 1024 + 1));
    await expect(session.prompt("go")).resolves.toEqual({ stopReason: "end_turn" });
    const [unknown, invalid, missing, big] = toolResults(server.requests.at(-1)!);
    expect(unknown).toMatch(/there is no tool named "delete_everything"; the tools are read_file, list_files/);
    expect(invalid).toMatch(/invalid arguments for edit_file: old_string: .*new_string/);
    expect(missing).toMatch(/old_string was not found in notes.txt; read the file again/);
    expect(big).toMatch(/big.txt has 1048577 characters, more than the 1048576 edit_file handles; nothing was changed/);
    expect(hooks.asks).toHaveLength(0);
    expect(hooks.events.filter((e) => e.type === "tool_call").map((e) => e.type === "tool_call" && e.status)).toEqual(["failed", "failed", "failed", "failed"]);
  });

  it("stops after WHARF_NATIVE_MAX_ROUNDS model requests", async () => {
    const { server, hooks, session } = await start(() => ({ toolCalls: [{ name: "list_files", args: {} }] }), { WHARF_NATIVE_MAX_ROUNDS: "2" });
    await expect(session.prompt("loop forever")).resolves.toEqual({ stopReason: "max_turn_requests" });
    expect(server.requests).toHaveLength(2);
    const text = hooks.events.flatMap((e) => (e.type === "message" && e.role === "agent" ? [e.text] : [])).join("");
    expect(text).toContain("Stopped after 2 model requests (WHARF_NATIVE_MAX_ROUNDS)");
    // Token counts the endpoint reported, summed over the turn's requests.
    expect(hooks.events.filter((e) => e.type === "usage")).toEqual([{ type: "usage", inputTokens: 200, outputTokens: 20, totalTokens: 220 }]);
  });

  it("fails the prompt with the endpoint's HTTP error", async () => {
    const { server, session } = await start(() => ({ status: 404, body: '{"error":{"message":"model \\"fake\\" not found"}}' }));
    const error = await session.prompt("hi").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AgentError);
    expect((error as Error).message).toContain(`answered the prompt with an error: The model endpoint ${server.baseUrl}/chat/completions answered HTTP 404 Not Found: {"error":{"message":"model \\"fake\\" not found"}}. Check WHARF_NATIVE_BASE_URL`);
  });
});
