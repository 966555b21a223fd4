import { chmodSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { detectAgent, detectionEnv, parseVersion } from "./detect";
import { detectPreset } from "./sync";

const dir = mkdtempSync(path.join(os.tmpdir(), "wharf-detect-"));
const bin = path.join(dir, "bin");
mkdirSync(bin);
const baseEnv = { PATH: `${bin}:/usr/bin:/bin`, HOME: dir, DATABASE_URL: "postgres://secret@db/x", WHARF_TOKEN: "wharf_token_secret", PGPASSWORD: "pg-secret" };

/** A shell script on the test PATH. */
function tool(name: string, body: string): string {
  const file = path.join(bin, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

/** Alive and not a zombie waiting for a parent that reaps nothing. */
function isRunning(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

describe("parseVersion", () => {
  it("finds the version in what CLIs print", () => {
    expect(parseVersion("goose 1.9.3\n")).toBe("1.9.3");
    expect(parseVersion("v0.21.14")).toBe("0.21.14");
    expect(parseVersion("\x1b[32mcodex-acp 1.6.0-beta.2\x1b[0m")).toBe("1.6.0-beta.2");
    expect(parseVersion("kimi, version 1.49")).toBe("1.49");
    expect(parseVersion("usage: agent [options]")).toBeNull();
    // Not a version: digits glued to a word.
    expect(parseVersion("python3.12 is required")).toBeNull();
  });
});

describe("detectAgent", () => {
  it("reports a command on PATH with the version it prints", async () => {
    tool("fake-agent", 'echo "fake-agent version 2.4.1"');
    await expect(detectAgent({ command: "fake-agent", args: ["acp"] }, { baseEnv })).resolves.toEqual({ available: true, version: "2.4.1", error: null });
  });

  it("uses a preset's own version arguments", async () => {
    tool("odd-agent", 'if [ "$1" = "version" ]; then echo "odd 3.0.0"; else echo "unknown flag $1" >&2; exit 2; fi');
    await expect(detectAgent({ command: "odd-agent", args: [], versionArgs: ["version"] }, { baseEnv })).resolves.toMatchObject({ version: "3.0.0" });
    await expect(detectAgent({ command: "odd-agent", args: [] }, { baseEnv })).resolves.toEqual({
      available: true,
      version: null,
      error: '"odd-agent --version" printed no version (exit code 2).',
    });
  });

  it("says why a missing command is not available", async () => {
    await expect(detectAgent({ command: "no-such-agent-xyz", args: [] }, { baseEnv })).resolves.toEqual({
      available: false,
      version: null,
      error: "no-such-agent-xyz was not found on PATH.",
    });
    await expect(detectAgent({ command: path.join(dir, "nope"), args: [] }, { baseEnv })).resolves.toMatchObject({ available: false, error: expect.stringContaining("does not exist") });
    // Not executable.
    const plain = path.join(dir, "plain.txt");
    writeFileSync(plain, "x");
    await expect(detectAgent({ command: plain, args: [] }, { baseEnv })).resolves.toMatchObject({ available: false });
  });

  it("gives up on a version command that never answers, and kills it with its children", async () => {
    const pidFile = path.join(dir, "sleeper.pid");
    tool("sleepy-agent", `sleep 30 & echo $! > ${pidFile}; wait`);
    const started = Date.now();
    const result = await detectAgent({ command: "sleepy-agent", args: [] }, { baseEnv, timeoutMs: 500 });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(result).toEqual({ available: true, version: null, error: '"sleepy-agent --version" did not answer within 0.5 s.' });
    const child = Number(readFileSync(pidFile, "utf8"));
    await new Promise((r) => setTimeout(r, 100));
    expect(isRunning(child)).toBe(false);
  });

  it("reads at most a few KB of output", async () => {
    tool("chatty-agent", "yes 'blah blah blah' | head -c 5000000; echo 9.9.9");
    const result = await detectAgent({ command: "chatty-agent", args: [] }, { baseEnv, timeoutMs: 2000 });
    expect(result.available).toBe(true);
    // The version came after the bounded window: unknown, not a crash or a 5 MB string.
    expect(result.version).toBeNull();
  });

  it("runs the version command without the database URL, token or secrets, with the agent's plain env", async () => {
    const dump = path.join(dir, "env.txt");
    tool("env-agent", `env > ${dump}; echo 1.0.0`);
    await detectAgent({ command: "env-agent", args: [], env: { AGENT_MODE: "plain", DATABASE_URL: "x" } }, { baseEnv });
    const text = readFileSync(dump, "utf8");
    expect(text).toContain("AGENT_MODE=plain");
    expect(text).toContain("NO_COLOR=1");
    expect(text).not.toContain("DATABASE_URL");
    expect(text).not.toContain("wharf_token_secret");
    expect(text).not.toContain("pg-secret");
    expect(detectionEnv(baseEnv)).toEqual({ PATH: baseEnv.PATH, HOME: dir, NO_COLOR: "1", TERM: "dumb" });
  });

  it("checks the script of a node agent and reads its package version without running it", async () => {
    const pkg = path.join(dir, "node_modules", "some-agent");
    mkdirSync(path.join(pkg, "dist", "examples"), { recursive: true });
    writeFileSync(path.join(pkg, "package.json"), JSON.stringify({ name: "some-agent", version: "1.9.0" }));
    // A nested package.json without a name does not end the search.
    writeFileSync(path.join(pkg, "dist", "package.json"), JSON.stringify({ type: "module" }));
    const script = path.join(pkg, "dist", "examples", "agent.js");
    writeFileSync(script, "throw new Error('must not run')");
    await expect(detectAgent({ command: process.execPath, args: [script] }, { baseEnv })).resolves.toEqual({ available: true, version: "1.9.0", error: null });
    await expect(detectAgent({ command: process.execPath, args: [path.join(pkg, "missing.js")] }, { baseEnv })).resolves.toMatchObject({
      available: false,
      error: expect.stringContaining("missing.js does not exist"),
    });
  });

  it("does not guess the version of an agent started through npx or from a relative script", async () => {
    tool("npx", "echo 11.6.0");
    await expect(detectAgent({ command: "npx", args: ["-y", "@scope/agent"] }, { baseEnv })).resolves.toEqual({
      available: true,
      version: null,
      error: "Started through npx, which picks the agent's version when it starts.",
    });
    await expect(detectAgent({ command: process.execPath, args: ["scripts/agent.mjs"] }, { baseEnv })).resolves.toMatchObject({ available: true, version: null });
  });

  it("reads the version of an npm-installed CLI from its package", async () => {
    const pkg = path.join(dir, "lib", "node_modules", "@scope", "cli");
    mkdirSync(path.join(pkg, "dist"), { recursive: true });
    writeFileSync(path.join(pkg, "package.json"), JSON.stringify({ name: "@scope/cli", version: "0.85.1" }));
    const entry = path.join(pkg, "dist", "index.js");
    writeFileSync(entry, "#!/usr/bin/env node\nsetTimeout(() => {}, 60000)\n");
    chmodSync(entry, 0o755);
    symlinkSync(entry, path.join(bin, "npm-agent"));
    await expect(detectAgent({ command: "npm-agent", args: [] }, { baseEnv, timeoutMs: 500 })).resolves.toEqual({ available: true, version: "0.85.1", error: null });
  });
});

describe("detectPreset", () => {
  it("picks the first installed launch command, or says what to install", async () => {
    tool("new-name-acp", "echo 0.2.0");
    const preset = { id: "p", name: "P", transport: "acp" as const, launch: [{ command: "new-name-acp", args: [] }, { command: "old-name-acp", args: [] }] as [{ command: string; args: string[] }, { command: string; args: string[] }], install: "npm i -g p" };
    await expect(detectPreset({ ...preset, launch: [preset.launch[1], preset.launch[0]] }, { baseEnv })).resolves.toEqual({
      launch: { command: "new-name-acp", args: [] },
      detection: { available: true, version: "0.2.0", error: null },
    });
    const missing = await detectPreset({ ...preset, launch: [{ command: "gone-acp", args: [] }, { command: "gone-too-acp", args: [] }] }, { baseEnv });
    expect(missing.launch.command).toBe("gone-acp");
    expect(missing.detection).toEqual({ available: false, version: null, error: "gone-acp was not found on PATH. Also looked for gone-too-acp. Install: npm i -g p" });
  });
});
