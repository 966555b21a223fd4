import {
  client,
  methods,
  RequestError,
  type ClientApp,
  type RequestPermissionRequest,
  type RequestPermissionResponse,
} from "@agentclientprotocol/sdk";
import { ConfinementError } from "./confine";
import { FileAccessError, readTextFile, writeTextFile } from "./fs-access";
import { TerminalError, type TerminalManager } from "./terminals";
import type { Logger } from "./transport";

/**
 * The client side of ACP that agents call into: permission, fs and terminal requests. Params
 * arrive already validated by the SDK's schemas; our own refusals go back as JSON-RPC errors
 * whose message says what was refused and why.
 */

export type ClientDeps = {
  /** Read at each request: a pre-started agent gets its task's worktree when it is handed over. */
  readonly root: string;
  terminals: TerminalManager;
  /** The session's id once known; requests naming another session are refused. */
  sessionId: () => string | undefined;
  askPermission: (params: RequestPermissionRequest, signal: AbortSignal) => Promise<RequestPermissionResponse>;
  log: Logger;
};

const invalidParams = -32602;
const internalError = -32603;

function toRequestError(method: string, error: unknown, log: Logger): RequestError {
  if (error instanceof RequestError) return error;
  if (error instanceof ConfinementError || error instanceof FileAccessError || error instanceof TerminalError) {
    log.warn(`refused ${method}`, { reason: error.message });
    return new RequestError(invalidParams, error.message);
  }
  const message = error instanceof Error ? error.message : String(error);
  log.warn(`${method} failed`, { error: message });
  return new RequestError(internalError, `${method} failed: ${message}`);
}

export function buildClient(deps: ClientDeps): ClientApp {
  const checked =
    <P extends { sessionId: string }, R>(method: string, run: (params: P, signal: AbortSignal) => Promise<R>) =>
    async ({ params, signal }: { params: P; signal: AbortSignal }): Promise<R> => {
      const current = deps.sessionId();
      if (current !== undefined && params.sessionId !== current) throw RequestError.sessionNotFound(params.sessionId);
      try {
        return await run(params, signal);
      } catch (error) {
        throw toRequestError(method, error, deps.log);
      }
    };
  const { fs, terminal, session } = methods.client;
  const { terminals } = deps;

  return client({ name: "wharf" })
    .onRequest(session.requestPermission, checked(session.requestPermission, (p, signal) => deps.askPermission(p, signal)))
    .onRequest(
      fs.readTextFile,
      checked(fs.readTextFile, async (p) => ({ content: await readTextFile(deps.root, p.path, p.line, p.limit) })),
    )
    .onRequest(
      fs.writeTextFile,
      checked(fs.writeTextFile, async (p) => {
        await writeTextFile(deps.root, p.path, p.content);
        return {};
      }),
    )
    .onRequest(terminal.create, checked(terminal.create, async (p) => ({ terminalId: await terminals.create(p) })))
    .onRequest(terminal.output, checked(terminal.output, async (p) => terminals.output(p.terminalId)))
    .onRequest(terminal.waitForExit, checked(terminal.waitForExit, (p) => terminals.waitForExit(p.terminalId)))
    .onRequest(
      terminal.kill,
      checked(terminal.kill, async (p) => {
        await terminals.kill(p.terminalId);
        return {};
      }),
    )
    .onRequest(
      terminal.release,
      checked(terminal.release, async (p) => {
        await terminals.release(p.terminalId);
        return {};
      }),
    );
}
