import { accessSync, constants, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@wharf/db/testing";
import { startNpmRegistry, type NpmRegistryStandIn } from "@wharf/test-agent/npm-registry";
import { appRouter } from "../root";
import { createServices, type Services } from "../services";
import { createCallerFactory, createTRPCContext } from "../trpc";
import { agentsBinDir, installedVersion } from "./installed";
import { AgentInstaller, type InstallJob } from "./installer";
import { knownAgentPresets } from "./presets";
import { syncBuiltinAgents } from "./sync";

const TOKEN = "wharf_install_test_token_0123456789abcdef";
const claude = knownAgentPresets.find((p) => p.id === "claude-code")!;
const npm = claude.npm!;

let db: TestDatabase;
let services: Services;
let registry: NpmRegistryStandIn;
let home: string;
const scratch = mkdtempSync(path.join(os.tmpdir(), "wharf-install-test-"));
// npm's cache stays in this test's folder, not the person's ~/.npm.
process.env.npm_config_cache = path.join(scratch, "npm-cache");

const api = (signal?: AbortSignal) =>
  createCallerFactory(appRouter)(createTRPCContext({ services, headers: new Headers({ authorization: `Bearer ${TOKEN}` }), accessToken: TOKEN }), { signal });

/** Follows `agent.installs` until the agent's job ends; returns every state seen on the way. */
async function followInstall(agentId: string): Promise<InstallJob[]> {
  const controller = new AbortController();
  const seen: InstallJob[] = [];
  const stream = await api(controller.signal).agent.installs();
  for await (const job of stream) {
    if (job.agentId !== agentId) continue;
    seen.push(job);
    if (job.state === "installed" || job.state === "failed") break;
  }
  controller.abort();
  return seen;
}

beforeAll(async () => {
  registry = await startNpmRegistry([{ name: npm.package, version: npm.version, bin: npm.bin }]);
  home = path.join(scratch, "home");
  db = await createTestDatabase();
  services = await createServices({ databaseUrl: db.url, poolSize: 4, home, npmRegistry: registry.url });
  // Only this preset, looked up on a PATH without the person's own tools.
  await syncBuiltinAgents(services.pool, [claude], { home, baseEnv: { PATH: "/usr/bin:/bin" } });
}, 60_000);

afterAll(async () => {
  await services?.close();
  await db?.drop();
  await registry?.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe("installing an agent from npm", () => {
  it("says the registry refused the package, and leaves nothing installed", async () => {
    registry.refuse(403, "tarball");
    try {
      const { job } = await api().agent.install({ id: "claude-code" });
      expect(job).toMatchObject({ package: npm.package, version: npm.version, state: "queued" });
      const seen = await followInstall("claude-code");
      const last = seen.at(-1)!;
      expect(last.state).toBe("failed");
      expect(last.error?.kind).toBe("refused");
      expect(last.error?.message).toContain(`refused to give ${npm.package}@${npm.version} (E403)`);
      expect(last.output.join("\n")).toMatch(/npm error/);
    } finally {
      registry.allow();
    }
    expect(installedVersion(home, npm.package)).toBeNull();
    expect(existsSync(path.join(agentsBinDir(home), npm.bin))).toBe(false);
    const agent = await api().agent.get({ id: "claude-code" });
    expect(agent.available).toBe(false);
    const [row] = (await api().agent.installable()).filter((i) => i.id === "claude-code");
    expect(row).toMatchObject({ installed: null, pinned: npm.version, updatable: false });
  });

  it("says when the registry has no such package", async () => {
    registry.refuse(404, "packument");
    try {
      await api().agent.install({ id: "claude-code" });
      const last = (await followInstall("claude-code")).at(-1)!;
      expect(last.error?.kind).toBe("not_found");
      expect(last.error?.message).toContain(`has no ${npm.package}@${npm.version} (E404)`);
    } finally {
      registry.allow();
    }
    expect(installedVersion(home, npm.package)).toBeNull();
  });

  it("installs the pinned version with progress; detection finds it in Wharf's agent folder", async () => {
    const first = await api().agent.install({ id: "claude-code" });
    // A second click while it runs joins the same install.
    const second = await api().agent.install({ id: "claude-code" });
    expect(first.joined).toBe(false);
    expect(second.joined).toBe(true);
    const seen = await followInstall("claude-code");
    expect(seen.map((j) => j.state)).toContain("running");
    const last = seen.at(-1)!;
    expect(last.error).toBeNull();
    expect(last.state).toBe("installed");
    expect(last.requests).toBeGreaterThanOrEqual(1);

    const bin = path.join(home, "agents", "node_modules", ".bin", npm.bin);
    accessSync(bin, constants.X_OK);
    expect(JSON.parse(readFileSync(path.join(home, "agents", "package.json"), "utf8")).dependencies).toEqual({ [npm.package]: npm.version });
    const agent = await api().agent.get({ id: "claude-code" });
    expect(agent).toMatchObject({ available: true, version: npm.version, command: npm.bin });
    // Asked again (agent.detect), it is still found: the same search path.
    const [again] = await api().agent.detect({ id: "claude-code" });
    expect(again).toMatchObject({ available: true, version: npm.version });
    const [row] = (await api().agent.installable()).filter((i) => i.id === "claude-code");
    expect(row).toMatchObject({ installed: npm.version, latest: npm.version, updatable: false });
    await expect(api().agent.update({ id: "claude-code" })).rejects.toThrow(/already the newest version/);
    expect(registry.requests.some((r) => r.endsWith(".tgz"))).toBe(true);
  });

  it("updates to the registry's latest version when there is a newer one", async () => {
    const newer = npm.version.replace(/\d+$/, (n) => String(Number(n) + 1));
    registry.publish({ name: npm.package, version: newer, bin: npm.bin });
    // "Check again" asks the registry afresh (otherwise its answer is kept for a few minutes).
    const [row] = (await api().agent.installable({ fresh: true })).filter((i) => i.id === "claude-code");
    expect(row).toMatchObject({ installed: npm.version, latest: newer, updatable: true });
    const { job } = await api().agent.update({ id: "claude-code" });
    expect(job).toMatchObject({ action: "update", version: newer });
    expect((await followInstall("claude-code")).at(-1)).toMatchObject({ state: "installed", error: null });
    expect(installedVersion(home, npm.package)).toBe(newer);
    expect((await api().agent.get({ id: "claude-code" })).version).toBe(newer);
  });

  it("refuses agents that are not npm packages, and unknown ones", async () => {
    await expect(api().agent.install({ id: "goose" })).rejects.toThrow(/not an npm package/);
    await expect(api().agent.install({ id: "no-such-agent" })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});

describe("the installer on its own", () => {
  it("says the registry cannot be reached when nothing answers there", async () => {
    const closed = await new Promise<number>((resolve) => {
      const server = net.createServer().listen(0, "127.0.0.1", () => {
        const { port } = server.address() as net.AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const offlineHome = path.join(scratch, "offline-home");
    const installer = new AgentInstaller({ home: offlineHome, registry: `http://127.0.0.1:${closed}/`, onInstalled: () => Promise.resolve() });
    const done = new Promise<InstallJob>((resolve) => installer.subscribe((job) => (job.state === "failed" || job.state === "installed") && resolve(job)));
    installer.start("claude-code", npm, npm.version, "install");
    const job = await done;
    expect(job.error?.kind).toBe("offline");
    expect(job.error?.message).toMatch(/could not reach the npm registry http:\/\/127\.0\.0\.1:\d+\/ \(ECONNREFUSED\)/);
    expect(installedVersion(offlineHome, npm.package)).toBeNull();
  });

  it("refuses a second, different install of an agent while one runs", async () => {
    const installer = new AgentInstaller({ home: path.join(scratch, "conflict-home"), registry: registry.url, onInstalled: () => Promise.resolve() });
    const done = new Promise<InstallJob>((resolve) => installer.subscribe((job) => (job.state === "failed" || job.state === "installed") && resolve(job)));
    installer.start("claude-code", npm, npm.version, "install");
    expect(() => installer.start("claude-code", npm, "0.0.1", "update")).toThrow(/is being installed for this agent right now/);
    installer.close();
    expect((await done).error?.message).toMatch(/stopped: Wharf is shutting down|could not be installed: Wharf is shutting down/);
  });
});
