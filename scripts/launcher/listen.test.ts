import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { buildLauncher } from "./build.mjs";
import { findFreePort } from "./port";
import { listenExposure } from "./stack";

/**
 * Starts Wharf as `./wharf start` does (the built launcher, the default environment, an
 * embedded database in a fresh WHARF_HOME) and checks where the web server listens. Needs the
 * web app's production build (`pnpm --filter @wharf/web build`; ./wharf start makes it).
 */

const scriptsDir = path.resolve(import.meta.dirname, "..");
let launcher = "";
beforeAll(async () => {
  launcher = await buildLauncher();
}, 60_000);

/** The machine's first non-loopback IPv4 address: another machine would reach Wharf there. */
function lanAddress(): string | undefined {
  return Object.values(os.networkInterfaces())
    .flat()
    .find((i) => i && i.family === "IPv4" && !i.internal)?.address;
}

/** Local addresses of the TCP sockets listening on `port`, from /proc/net/tcp and tcp6. */
function listeners(port: number): string[] {
  const hex = port.toString(16).toUpperCase().padStart(4, "0");
  const out: string[] = [];
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    for (const line of readFileSync(file, "utf8").split("\n").slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (state !== "0A" || !local?.endsWith(`:${hex}`)) continue; // 0A = LISTEN
      const addr = local.slice(0, local.indexOf(":"));
      out.push(addr.length === 8 ? addr.match(/../g)!.reverse().map((b) => parseInt(b, 16)).join(".") : `ipv6:${addr}`);
    }
  }
  return out;
}

/** "connected", or the error code of the refused or failed connection. */
function connect(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 3000 });
    socket.once("connect", () => {
      socket.destroy();
      resolve("connected");
    });
    socket.once("timeout", () => {
      socket.destroy();
      resolve("timeout");
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

/** GET health.check at `address`, with the Host header and token given (raw HTTP, any Host). */
function healthCheck(address: string, port: number, host: string, token?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: address, port, path: "/api/trpc/health.check", headers: { host, ...(token ? { authorization: `Bearer ${token}` } : {}) } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.once("error", reject);
  });
}

type Started = { child: ChildProcess; port: number; home: string; token: string; output: () => string };
const started: Started[] = [];

/** `./wharf start` in a fresh home; resolves once it prints that Wharf is running. */
async function startWharf(extra: Record<string, string> = {}): Promise<Started> {
  const home = mkdtempSync(path.join(os.tmpdir(), "wharf-listen-"));
  const port = await findFreePort();
  const env: NodeJS.ProcessEnv = { ...process.env, WHARF_HOME: home, WHARF_PORT: String(port), ...extra };
  for (const name of ["DATABASE_URL", "WHARF_HOST", "WHARF_ALLOWED_HOSTS"]) if (!(name in extra)) delete env[name];
  const child = spawn(process.execPath, [launcher], { cwd: scriptsDir, env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const entry: Started = { child, port, home, token: "", output: () => output };
  started.push(entry);
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("Press Ctrl-C to stop.")) resolve();
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", (code) => reject(new Error(`./wharf start exited (${code}) before it was up:\n${output.slice(-3000)}`)));
  });
  entry.token = readFileSync(path.join(home, "token"), "utf8").trim();
  return entry;
}

afterEach(async () => {
  for (const s of started.splice(0)) {
    if (s.child.exitCode === null && s.child.signalCode === null) {
      const exited = new Promise((resolve) => s.child.once("exit", resolve));
      s.child.kill("SIGTERM");
      await exited;
    }
    rmSync(s.home, { recursive: true, force: true });
  }
}, 60_000);

describe("where the web server listens", () => {
  it("by default only on 127.0.0.1: the machine's other addresses refuse connections", { timeout: 180_000 }, async () => {
    const lan = lanAddress();
    const wharf = await startWharf();
    expect(wharf.output()).toContain(`Wharf is running at http://127.0.0.1:${wharf.port}`);
    expect(listeners(wharf.port)).toEqual(["127.0.0.1"]);
    expect(await connect("127.0.0.1", wharf.port)).toBe("connected");
    // A machine with no network but loopback has no other address to try; the socket table says enough.
    if (lan) expect(await connect(lan, wharf.port)).toBe("ECONNREFUSED");
    expect(await healthCheck("127.0.0.1", wharf.port, `127.0.0.1:${wharf.port}`)).toBe(401);
    expect(await healthCheck("127.0.0.1", wharf.port, `127.0.0.1:${wharf.port}`, wharf.token)).toBe(200);
  });

  it("WHARF_HOST=0.0.0.0 listens everywhere, says so, and still wants the token and a known Host", { timeout: 180_000 }, async () => {
    const lan = lanAddress() ?? "127.0.0.1";
    const wharf = await startWharf({ WHARF_HOST: "0.0.0.0" });
    expect(wharf.output()).toContain("WHARF_HOST=0.0.0.0: the web server is reachable from other machines");
    expect(wharf.output()).toContain(`Wharf is running at http://127.0.0.1:${wharf.port}`);
    expect(listeners(wharf.port)).toEqual(["0.0.0.0"]);
    expect(await connect(lan, wharf.port)).toBe("connected");
    // From another machine: its own address as Host is not a name Wharf answers for…
    const foreign = lan === "127.0.0.1" ? "192.0.2.99" : lan;
    expect(await healthCheck(lan, wharf.port, `${foreign}:${wharf.port}`, wharf.token)).toBe(421);
    // …and a forged loopback Host still needs the token.
    expect(await healthCheck(lan, wharf.port, `127.0.0.1:${wharf.port}`)).toBe(401);
    expect(await healthCheck(lan, wharf.port, `127.0.0.1:${wharf.port}`, "wharf_wrong_token_0123456789abcdefghij")).toBe(401);
    expect(await healthCheck(lan, wharf.port, `127.0.0.1:${wharf.port}`, wharf.token)).toBe(200);
  });
});

describe("listenExposure", () => {
  it("tells loopback, wildcard and named addresses apart", () => {
    expect(listenExposure("127.0.0.1")).toMatchObject({ kind: "loopback", urlHost: "127.0.0.1" });
    expect(listenExposure("localhost")).toMatchObject({ kind: "loopback", urlHost: "localhost" });
    expect(listenExposure("::1")).toMatchObject({ kind: "loopback", urlHost: "[::1]" });
    expect(listenExposure("0.0.0.0")).toMatchObject({ kind: "wildcard", urlHost: "127.0.0.1" });
    expect(listenExposure("::")).toMatchObject({ kind: "wildcard", urlHost: "[::1]" });
    expect(listenExposure("[::]")).toMatchObject({ kind: "wildcard", urlHost: "[::1]" });
    expect(listenExposure("192.0.2.7")).toMatchObject({ kind: "address", urlHost: "192.0.2.7", name: "192.0.2.7" });
    expect(listenExposure("fd00::2")).toMatchObject({ kind: "address", urlHost: "[fd00::2]" });
  });
});
