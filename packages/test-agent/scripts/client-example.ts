// A minimal ACP client (SDK 2.x, stable v1) driving the test agent: spawn, connect over stdio,
// answer permission / fs / terminal requests, prompt, cancel. Run: node scripts/client-example.ts
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable, Writable } from "node:stream";
import * as acp from "@agentclientprotocol/sdk";
import { testAgentBin } from "../src/paths.ts";

const cwd = mkdtempSync(join(tmpdir(), "wharf-example-"));
const child = spawn(process.execPath, [testAgentBin], { cwd, stdio: ["pipe", "pipe", "inherit"] });
const terminals = new Map<string, { proc: ChildProcess; output: string }>();
const terminalOf = (id: string) => {
  const terminal = terminals.get(id);
  if (!terminal) throw acp.RequestError.resourceNotFound(id);
  return terminal;
};

const app = acp
  .client({ name: "wharf-runner" })
  // Register session/update first: typed handlers run in registration order, "*" fallbacks last.
  .onNotification(acp.methods.client.session.update, ({ params }) => {
    const u = params.update;
    if (u.sessionUpdate === "agent_message_chunk" && u.content.type === "text") process.stdout.write(u.content.text);
    else process.stdout.write(`\n[${u.sessionUpdate}]\n`);
  })
  .onNotification("*", ({ method }) => void process.stdout.write(`\n[ext ${method}]\n`))
  .onRequest(acp.methods.client.session.requestPermission, ({ params }) => {
    const allow = params.options.find((o) => o.kind === "allow_once");
    return allow
      ? { outcome: { outcome: "selected", optionId: allow.optionId } }
      : { outcome: { outcome: "cancelled" } };
  })
  .onRequest(acp.methods.client.fs.readTextFile, ({ params }) => {
    try {
      return { content: readFileSync(params.path, "utf8") };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return { content: "" }; // missing reads as empty
      throw error; // becomes a JSON-RPC error response
    }
  })
  .onRequest(acp.methods.client.fs.writeTextFile, ({ params }) => {
    writeFileSync(params.path, params.content);
    return {};
  })
  .onRequest(acp.methods.client.terminal.create, ({ params }) => {
    const proc = spawn(params.command, params.args ?? [], { cwd: params.cwd ?? cwd });
    const terminal = { proc, output: "" };
    proc.stdout?.on("data", (b: Buffer) => (terminal.output += b.toString()));
    proc.stderr?.on("data", (b: Buffer) => (terminal.output += b.toString()));
    const terminalId = `t${terminals.size + 1}`;
    terminals.set(terminalId, terminal);
    return { terminalId };
  })
  .onRequest(acp.methods.client.terminal.waitForExit, async ({ params }) => {
    const { proc } = terminalOf(params.terminalId);
    if (proc.exitCode === null && proc.signalCode === null) await new Promise((r) => proc.once("exit", r));
    return { exitCode: proc.exitCode, signal: proc.signalCode };
  })
  .onRequest(acp.methods.client.terminal.output, ({ params }) => {
    const { output } = terminalOf(params.terminalId);
    return { output, truncated: false };
  })
  .onRequest(acp.methods.client.terminal.kill, ({ params }) => {
    terminals.get(params.terminalId)?.proc.kill("SIGKILL");
    return {};
  })
  .onRequest(acp.methods.client.terminal.release, ({ params }) => {
    terminals.get(params.terminalId)?.proc.kill("SIGKILL");
    terminals.delete(params.terminalId);
    return {};
  });

const connection = app.connect(
  acp.ndJsonStream(
    Writable.toWeb(child.stdin) as WritableStream<Uint8Array>,
    Readable.toWeb(child.stdout) as ReadableStream<Uint8Array>,
  ),
);
const agent = connection.agent; // ClientContext: request(...) / notify(...) to the agent

const init = await agent.request(acp.methods.agent.initialize, {
  protocolVersion: acp.PROTOCOL_VERSION,
  clientCapabilities: { fs: { readTextFile: true, writeTextFile: true }, terminal: true },
  clientInfo: { name: "wharf-runner", version: "0.0.0" },
});
const { sessionId, modes } = await agent.request(acp.methods.agent.session.new, { cwd, mcpServers: [] });
console.log(`\nagent ${init.agentInfo?.name}, session ${sessionId}, mode ${modes?.currentModeId}`);

const edit = await agent.request(acp.methods.agent.session.prompt, { sessionId, prompt: [{ type: "text", text: "edit-file" }] });
console.log(`\nstopReason=${edit.stopReason}; hello.txt=${JSON.stringify(readFileSync(join(cwd, "hello.txt"), "utf8"))}`);

const slow = agent.request(acp.methods.agent.session.prompt, { sessionId, prompt: [{ type: "text", text: "stream-slow" }] });
setTimeout(() => void agent.notify(acp.methods.agent.session.cancel, { sessionId }), 300);
console.log(`\nstopReason=${(await slow).stopReason}`);

child.stdin.end(); // the agent exits when stdin closes
connection.close();
