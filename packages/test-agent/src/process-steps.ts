import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { StepOf } from "./scenario-schema.ts";
import { sessionPath, writeStderr, type StepOutcome, type TurnContext } from "./turn-context.ts";

/** Steps that act on the agent's own process and file system, outside the protocol. */

async function writeOwnFile(path: string, content: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content);
}

/** Never settles. */
function forever(): Promise<never> {
  return new Promise<never>(() => undefined);
}

function writeStdout(text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(text, (error) => (error ? reject(error) : resolve()));
  });
}

export async function runProcessStep(
  ctx: TurnContext,
  step:
    | StepOf<"write_file_direct">
    | StepOf<"hang">
    | StepOf<"ignore_sigterm">
    | StepOf<"exit">
    | StepOf<"garbage">
    | StepOf<"stderr">
    | StepOf<"env_dump">
    | StepOf<"spawn_detached">
    | StepOf<"record">,
): Promise<StepOutcome> {
  switch (step.type) {
    case "write_file_direct":
      await writeOwnFile(sessionPath(ctx, step.path), step.content);
      return undefined;
    case "hang":
      return forever();
    case "ignore_sigterm":
      process.on("SIGTERM", () => {
        process.stderr.write("wharf-test-agent: ignoring SIGTERM\n");
      });
      return undefined;
    case "exit":
      await writeStderr(step.stderr);
      process.exit(step.code);
      return forever();
    case "garbage":
      await writeStdout(`${step.text}\n`);
      return undefined;
    case "stderr":
      await writeStderr(step.text);
      return undefined;
    case "env_dump":
      await writeOwnFile(sessionPath(ctx, step.path), `${JSON.stringify(process.env, null, 2)}\n`);
      return undefined;
    case "spawn_detached": {
      // detached: the child calls setsid(), so it leaves the agent's process group.
      const child = spawn(step.command, step.args, { cwd: ctx.session.cwd, detached: true, stdio: "ignore" });
      await once(child, "spawn");
      child.unref();
      await writeOwnFile(sessionPath(ctx, step.pidFile), `${child.pid}\n`);
      return undefined;
    }
    case "record": {
      const { session, clientInfo } = ctx;
      const record = {
        sessionId: session.id,
        turn: ctx.turn,
        prompt: ctx.prompt.text,
        promptBlocks: ctx.prompt.blocks,
        modeId: session.modeId,
        model: session.model,
        cwd: session.cwd,
        processCwd: process.cwd(),
        pid: process.pid,
        mcpServers: session.mcpServers,
        sessionMeta: session.meta ?? null,
        permissions: session.permissions,
        clientCapabilities: clientInfo.capabilities,
        clientInfo: clientInfo.info ?? null,
      };
      await writeOwnFile(sessionPath(ctx, step.path), `${JSON.stringify(record, null, 2)}\n`);
      return undefined;
    }
  }
}
