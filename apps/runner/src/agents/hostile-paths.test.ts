import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmod, link, lstat, mkdir, mkdtemp, readdir, readFile, readlink, realpath, rename, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { scenarioPrompt, testAgentBin } from "@wharf/test-agent";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentEnv } from "../agent-env";
import { AcpTransport } from "./acp-transport";
import { ConfinementError } from "./confine";
import { FileAccessError, readTextFile, writeTextFile } from "./fs-access";
import { RecordingHooks } from "./recording-hooks";
import { TerminalError, TerminalManager } from "./terminals";

/** The ACP transport the runner uses, without warm agents: each start launches its agent. */
const acpTransport = new AcpTransport();

/**
 * Hundreds of hostile paths through the agent's fs/read_text_file, fs/write_text_file and
 * terminal/create (as cwd, and as a command named by path): once through the handler functions
 * the ACP client registers, once through a real ACP agent process. Every one must be refused with
 * a message that says so, or, where the "hostile" spelling is only an odd file name on Linux
 * (backslashes, %2e, lookalike dots, ~), stay inside the worktree. Decoys outside the worktree
 * are hashed before and after: not one byte, file or directory may change.
 *
 * Layout (all under one temp dir `base`):
 *   home/token, home/worktrees/task-1 (the worktree), home/worktrees/task-2, task-10 (siblings),
 *   outside/ (decoy secrets and an executable evil.sh), fakehome/.ssh/ (decoy keys).
 */

type Expect = "refused" | "inside";
type Case = {
  group: string;
  path: string;
  /** What read and write must do; terminal cwd is always refused (no case names a directory inside). */
  expect: Expect;
  /** Real host files (/etc/passwd…): never written to, even by mistake; their decoy twins are. */
  noWrite?: boolean;
};

const DECOY = "DECOY-SECRET";
const PWNED = "PWNED by a hostile path\n";

let base: string;
let home: string;
let root: string;
let outside: string;
let fakeHome: string;

async function layout(): Promise<void> {
  base = await realpath(await mkdtemp(path.join(os.tmpdir(), "wharf-hostile-")));
  home = path.join(base, "home");
  root = path.join(home, "worktrees", "task-1");
  outside = path.join(base, "outside");
  fakeHome = path.join(base, "fakehome");
  const evil = `#!/bin/sh\necho ran > "$(dirname "$0")/evil-ran"\n`;
  for (const dir of [path.join(root, "src"), path.join(root, "sub"), path.join(home, "worktrees/task-2"), path.join(home, "worktrees/task-10"), path.join(outside, "dir"), path.join(fakeHome, ".ssh")]) {
    await mkdir(dir, { recursive: true });
  }
  const files: Record<string, string> = {
    [path.join(home, "token")]: `wharf_${DECOY}_token\n`,
    [path.join(home, "worktrees/task-2/secret.txt")]: `${DECOY} of another task\n`,
    [path.join(home, "worktrees/task-10/secret.txt")]: `${DECOY} of a sibling sharing the prefix\n`,
    [path.join(outside, "secret.txt")]: `${DECOY} outside\n`,
    [path.join(outside, "dir/deep.txt")]: `${DECOY} deep outside\n`,
    [path.join(fakeHome, ".ssh/id_rsa")]: `${DECOY} private key\n`,
    [path.join(fakeHome, ".ssh/authorized_keys")]: `${DECOY} authorized keys\n`,
    [path.join(root, "src/a.txt")]: "inside\n",
    [path.join(root, ".git")]: "gitdir: /somewhere/.git/worktrees/task-1\n",
  };
  for (const [file, text] of Object.entries(files)) await writeFile(file, text);
  for (const script of [path.join(outside, "evil.sh"), path.join(home, "worktrees/task-2/evil.sh")]) {
    await writeFile(script, evil);
    await chmod(script, 0o755);
  }
  const links: [string, string][] = [
    ["abs-file", path.join(outside, "secret.txt")],
    ["rel-file", "../../../outside/secret.txt"],
    ["abs-dir", outside],
    ["rel-dir", "../../../outside"],
    ["chain1", "chain2"],
    ["chain2", "chain3"],
    ["chain3", path.join(outside, "secret.txt")],
    ["chain-dir1", "chain-dir2"],
    ["chain-dir2", "../../../outside"],
    ["sub/mid", "../../../../outside"],
    ["sub/root-link", "/"],
    ["dangling-abs", path.join(outside, "created-by-dangling.txt")],
    ["dangling-rel", "../../../outside/created-by-dangling-rel.txt"],
    ["dangling-chain", "dangling-abs"],
    ["dangling-dir", path.join(outside, "no-such-dir")],
    ["token-link", path.join(home, "token")],
    ["home-link", "../.."],
    ["other-wt", "../task-2"],
    ["sibling-link", "../task-10"],
    ["etc-link", "/etc"],
    ["passwd-link", "/etc/passwd"],
    ["proc-link", "/proc/self"],
    ["environ-link", "/proc/self/environ"],
    ["root-link", "/"],
    ["ssh-link", path.join(fakeHome, ".ssh")],
    ["tmp-link", os.tmpdir()],
    ["dev-link", "/dev/zero"],
    ["loop-a", "loop-b"],
    ["loop-b", "loop-a"],
    ["self-loop", "self-loop"],
    ["git-link", ".git"],
    ["up", ".."],
    ["evil-link", path.join(outside, "evil.sh")],
  ];
  for (const [name, target] of links) await symlink(target, path.join(root, name));
  await link(path.join(outside, "secret.txt"), path.join(root, "hard.txt"));
  await link(path.join(home, "token"), path.join(root, "hard-token"));
  execFileSync("mkfifo", [path.join(root, "fifo")]);
}

function cases(): Case[] {
  const all: Case[] = [];
  const add = (group: string, expect: Expect, paths: string[], extra: Partial<Case> = {}) => {
    for (const p of paths) all.push({ group, path: p, expect, ...extra });
  };

  // `..` in many spellings, each reaching `base` (three levels up) and then a decoy.
  const targets = ["outside/secret.txt", "outside/new-file.txt", "outside/dir/deep.txt", "outside/newdir/x.txt", "home/token", "home/worktrees/task-2/secret.txt", "fakehome/.ssh/authorized_keys"];
  const ups = [
    "../../../",
    "./../../../",
    "src/../../../../",
    "..//..//..//",
    ".././.././../",
    "sub/./../../../../",
    "no-such-dir/../../../../",
    `${"../".repeat(30)}${base.slice(1)}/`,
    `${root}/../../../`,
    `${root}/./../../../`,
    `${root}//..//..//..//`,
    `/${root}/../../../`,
  ];
  for (const up of ups) add("dot-dot traversal", "refused", targets.map((t) => `${up}${t}`));

  add("absolute path elsewhere (decoys)", "refused", [
    ...targets.map((t) => path.join(base, t)),
    outside,
    `${outside}/`,
    `${outside}/./secret.txt`,
    `${outside}/../outside/secret.txt`,
    home,
    path.join(home, "worktrees"),
    path.join(home, "worktrees/task-2"),
    path.join(home, "token.new"),
    `${root}0/secret.txt`, // task-10: shares the worktree's name as a prefix
    `${root}-evil/x.txt`,
    path.join(fakeHome, ".ssh/id_rsa"),
    base,
  ]);
  add(
    "absolute path elsewhere (host)",
    "refused",
    [
      "/etc/passwd",
      "/etc/shadow",
      "/etc/hosts",
      "/etc",
      "/",
      "//",
      "///etc/passwd",
      "/./etc/passwd",
      "/etc/../etc/passwd",
      "/root/.ssh/id_rsa",
      path.join(os.homedir(), ".ssh/authorized_keys"),
      path.join(os.homedir(), ".bashrc"),
      path.join(os.homedir(), ".gitconfig"),
      "/proc/self/environ",
      "/proc/self/cmdline",
      "/proc/self/cwd",
      "/proc/self/root/etc/passwd",
      `/proc/${process.pid}/environ`,
      "/proc/1/environ",
      "/dev/zero",
      "/dev/null",
      "/dev/stdin",
      os.tmpdir(),
      path.join(os.tmpdir(), "wharf-hostile-new.txt"),
      "/var/log",
      "/usr/bin/env",
      "/sys/kernel",
    ],
    { noWrite: true },
  );

  add("symbolic link out", "refused", [
    "abs-file",
    "rel-file",
    "abs-dir",
    "abs-dir/secret.txt",
    "abs-dir/new.txt",
    "abs-dir/deep/new/file.txt",
    "abs-dir/dir/deep.txt",
    "rel-dir/secret.txt",
    "rel-dir/new.txt",
    "rel-dir/dir",
    "chain1",
    "chain2",
    "chain3",
    "chain-dir1/secret.txt",
    "chain-dir1/new.txt",
    "sub/mid/secret.txt",
    "sub/mid/new.txt",
    "sub/mid",
    "sub/root-link/etc/passwd",
    "sub/./mid/../mid/secret.txt",
    "dangling-abs",
    "dangling-rel",
    "dangling-chain",
    "dangling-dir/x.txt",
    "token-link",
    "home-link/token",
    "home-link/worktrees/task-2/secret.txt",
    "other-wt/secret.txt",
    "other-wt/new.txt",
    "sibling-link/secret.txt",
    "etc-link/passwd",
    "etc-link/shadow",
    "passwd-link",
    "proc-link/environ",
    "proc-link/root/etc/passwd",
    "proc-link/cwd/package.json",
    "environ-link",
    "root-link/etc/passwd",
    "root-link/tmp/x.txt",
    "ssh-link/id_rsa",
    "ssh-link/authorized_keys",
    "tmp-link/x.txt",
    "dev-link",
    "loop-a",
    "loop-b/x.txt",
    "self-loop",
    "up/task-2/secret.txt",
    "up/task-10/new.txt",
    `${root}/abs-dir/secret.txt`,
    `${root}/sub/mid/new.txt`,
  ]);

  add("hard link, FIFO", "refused", ["hard.txt", "hard-token", "fifo", `${root}/hard.txt`]);

  add("git's own files", "refused", [".git", ".git/config", ".git/HEAD", ".GIT/hooks/pre-commit", ".Git/config", "src/.git/x", "sub/../.git", `${root}/.git`, "./.git", ".git/", "git-link", "sub/.git/hooks/post-checkout"]);

  add("NUL byte", "refused", [
    "src/a.txt\0",
    "\0",
    "\0../../../outside/secret.txt",
    "src\0/../../../../outside/secret.txt",
    `${root}/src/a.txt\0.png`,
    "/etc/passwd\0",
    "abs-file\0",
    "../../../outside/secret.txt\0.txt",
  ]);

  add("newline", "refused", ["../../../outside/secret.txt\n", "\n/../../../../outside/secret.txt", "src/\n/../../../../outside/x.txt", `${outside}/secret.txt\r\n`]);
  add("newline", "inside", ["src/a.txt\n/etc/passwd", "new\nline.txt", "\r\n", "tab\t/outside-looking.txt"]);

  add("very long", "refused", [
    `${"a/".repeat(3000)}x`,
    "x".repeat(300),
    `${root}/${"a".repeat(256)}`,
    "a".repeat(100_000),
    `${"../".repeat(2000)}etc/passwd`,
    `${"./".repeat(3000)}../../../outside/secret.txt`,
    `${"src/../".repeat(1000)}../../../outside/secret.txt`,
  ]);
  add("very long", "inside", [`sub/${"b".repeat(255)}`]);

  // Only names on Linux: they must land inside the worktree (as odd names), never outside.
  add("Windows separators", "inside", ["..\\..\\..\\outside\\secret.txt", "..\\..\\..\\outside/secret.txt", "C:\\Windows\\win.ini", "\\\\server\\share\\x.txt", "C:/Windows/win.ini", "src\\..\\..\\..\\..\\outside\\secret.txt"]);
  add("encoded or lookalike", "inside", [
    "%2e%2e/%2e%2e/%2e%2e/outside/secret.txt",
    "%2e%2e%2f%2e%2e%2f%2e%2e%2foutside%2fsecret.txt",
    "..%2f..%2f..%2foutside%2fsecret.txt",
    "%252e%252e/%252e%252e/x.txt",
    "..%c0%af..%c0%afoutside.txt",
    "\u2025/\u2025/\u2025/outside/secret.txt",
    "\uff0e\uff0e/\uff0e\uff0e/\uff0e\uff0e/outside/secret.txt",
    "\uff0e\uff0e\uff0f\uff0e\uff0e\uff0foutside.txt",
    ".../.../outside/secret.txt",
    ".. /.. /.. /outside/secret.txt",
    "....//....//outside.txt",
    "~/.ssh/id_rsa",
    "~root/.ssh/authorized_keys",
    "$HOME/.ssh/id_rsa",
    "${HOME}/.bashrc",
    "file:///etc/passwd",
  ]);
  return all;
}

/** Terminal commands named by a relative path that leads outside (run from the worktree). */
const hostileCommands = ["../../../outside/evil.sh", "./../../../outside/evil.sh", "abs-dir/evil.sh", "rel-dir/evil.sh", "sub/mid/evil.sh", "./evil-link", "other-wt/evil.sh", "up/task-2/evil.sh"];

type Snapshot = Map<string, string>;

/** Every file, directory and link under `base` except the worktree, with a hash of its content. */
async function snapshot(): Promise<Snapshot> {
  const out: Snapshot = new Map();
  const walk = async (dir: string) => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (full === root) continue;
      if (entry.isDirectory()) {
        out.set(full, "dir");
        await walk(full);
      } else if (entry.isSymbolicLink()) out.set(full, `link:${await readlink(full)}`);
      else if (entry.isFile()) out.set(full, `file:${createHash("sha256").update(await readFile(full)).digest("hex")}:${(await lstat(full)).mode}`);
      else out.set(full, "other");
    }
  };
  await walk(base);
  for (const host of ["/etc/passwd", "/etc/shadow", "/etc/hosts", path.join(os.homedir(), ".bashrc"), path.join(os.homedir(), ".gitconfig"), path.join(os.homedir(), ".ssh/authorized_keys")]) {
    const content = await readFile(host).catch(() => null);
    out.set(host, content === null ? "absent" : createHash("sha256").update(content).digest("hex"));
  }
  out.set(`${os.tmpdir()}/wharf-hostile-new.txt`, (await lstat(path.join(os.tmpdir(), "wharf-hostile-new.txt")).catch(() => null)) ? "present" : "absent");
  return out;
}

const refusal = /^(Refused path "|Cannot (read|write) "|Working directory ")/;
const printable = (p: string) => JSON.stringify(p.length > 80 ? `${p.slice(0, 60)}…(${p.length})` : p);

let before: Snapshot;
const table = () => cases();

beforeAll(async () => {
  await layout();
  before = await snapshot();
});
afterAll(async () => {
  if (base) await rm(base, { recursive: true, force: true });
});

describe("hostile paths", () => {
  it("are at least 200 distinct inputs", () => {
    const all = table();
    expect(new Set(all.map((c) => c.path)).size).toBe(all.length);
    expect(all.length + hostileCommands.length).toBeGreaterThanOrEqual(200);
  });

  it("through the ACP client's handlers: refused with a clear error, or kept inside; nothing outside changes", async () => {
    const hooks = new RecordingHooks();
    const terminals = new TerminalManager({ root, env: { PATH: process.env.PATH ?? "/usr/bin:/bin" }, onEvent: () => {}, log: hooks.log });
    const failures: string[] = [];
    const expectRefused = async (label: string, run: () => Promise<unknown>) => {
      const error = await run().then(
        (value) => new Error(`accepted (${JSON.stringify(value)?.slice(0, 80)})`),
        (e: unknown) => e,
      );
      const known = error instanceof ConfinementError || error instanceof FileAccessError || error instanceof TerminalError;
      if (!known || !refusal.test(error.message)) failures.push(`${label}: ${(error instanceof Error ? `${error.name}: ${error.message}` : String(error)).slice(0, 300)}`);
    };
    try {
      for (const c of table()) {
        const label = `${c.group} ${printable(c.path)}`;
        if (c.expect === "refused") {
          await expectRefused(`read ${label}`, () => readTextFile(root, c.path));
          if (!c.noWrite) await expectRefused(`write ${label}`, () => writeTextFile(root, c.path, PWNED));
        } else {
          const read = await readTextFile(root, c.path).catch((e: unknown) => `error ${String(e)}`);
          if (read.includes(DECOY) || read.startsWith("error")) failures.push(`read ${label}: ${read.slice(0, 200)}`);
          await writeTextFile(root, c.path, PWNED).catch((e: unknown) => failures.push(`write ${label}: ${String(e)}`));
        }
        await expectRefused(`terminal cwd ${label}`, () => terminals.create({ command: "/bin/sh", args: ["-c", "echo RAN > wharf-ran-here"], cwd: c.path }));
      }
      for (const command of hostileCommands) await expectRefused(`terminal command ${command}`, () => terminals.create({ command, cwd: root }));
    } finally {
      await terminals.closeAll();
    }
    expect(failures).toEqual([]);
    expect(await snapshot()).toEqual(before);
  });

  it("through a real ACP agent process: every request refused or kept inside, the agent sees why, nothing outside changes", { timeout: 120_000 }, async () => {
    const all = table();
    // The scripted agent resolves relative paths itself (as real agents do): send them already
    // joined to the worktree, `..` and all, so the runner sees the hostile spelling.
    const absolute = (p: string) => (p.startsWith("/") ? p : `${root}/${p}`);
    const marker = (i: number, op: string) => ({ type: "text", text: `\n@@${i}:${op}@@\n` });
    const steps: unknown[] = [];
    all.forEach((c, i) => {
      steps.push(marker(i, "read"), { type: "read_file", path: absolute(c.path), echo: true, onError: "continue" });
      if (!c.noWrite) steps.push(marker(i, "write"), { type: "write_file", path: absolute(c.path), content: PWNED, onError: "continue" });
      steps.push(marker(i, "cwd"), { type: "terminal", command: "/bin/sh", args: ["-c", "echo RAN-IN:$(pwd)"], cwd: absolute(c.path), echo: true, onError: "continue" });
    });
    hostileCommands.forEach((command, i) => steps.push(marker(all.length + i, "cmd"), { type: "terminal", command, echo: true, onError: "continue" }));

    const hooks = new RecordingHooks();
    const session = await acpTransport.start({
      agent: { id: "scripted", name: "Wharf test agent", transport: "acp", command: process.execPath, args: [testAgentBin], env: {} },
      cwd: root,
      env: agentEnv(process.env, {}),
      hooks,
    });
    try {
      expect(await session.prompt(scenarioPrompt({ steps }, "Try every hostile path."))).toEqual({ stopReason: "end_turn" });
    } finally {
      await session.close();
    }

    const text = hooks.text();
    const parts = text.split(/\n@@(\d+):(read|write|cwd|cmd)@@\n/);
    const outcomes = new Map<string, string>();
    for (let k = 1; k + 2 < parts.length + 1; k += 3) outcomes.set(`${parts[k]}:${parts[k + 1]}`, parts[k + 2] ?? "");
    const failures: string[] = [];
    const refusedBy = (op: string, out: string) => new RegExp(`^(read_file|write_file|terminal) .* failed: (Refused path "|Cannot (read|write) "|Working directory ")`, "s").test(out) || `${op}: ${out.slice(0, 200)}`;
    all.forEach((c, i) => {
      const label = `${c.group} ${printable(c.path)}`;
      const ops = c.noWrite ? ["read", "cwd"] : ["read", "write", "cwd"];
      for (const op of ops) {
        const out = outcomes.get(`${i}:${op}`);
        if (out === undefined) {
          failures.push(`${op} ${label}: no outcome`);
          continue;
        }
        if (out.includes(DECOY) || out.includes("RAN-IN:")) failures.push(`${op} ${label}: leaked ${out.slice(0, 200)}`);
        const mustRefuse = c.expect === "refused" || op === "cwd";
        if (mustRefuse) {
          const ok = refusedBy(op, out);
          if (ok !== true) failures.push(`${label}: ${ok}`);
        } else if (out.includes(" failed: ")) failures.push(`${op} ${label}: ${out.slice(0, 200)}`);
      }
    });
    hostileCommands.forEach((command, i) => {
      const out = outcomes.get(`${all.length + i}:cmd`) ?? "no outcome";
      const ok = refusedBy("cmd", out);
      if (ok !== true) failures.push(`command ${command}: ${ok}`);
    });
    expect(failures).toEqual([]);
    expect(hooks.logs.filter((l) => l.level === "warn" && l.msg.startsWith("refused ")).length).toBeGreaterThanOrEqual(all.length * 2);
    expect(await snapshot()).toEqual(before);
  });

  it("refuses a path whose directory was swapped for a symbolic link since the last write", async () => {
    await mkdir(path.join(root, "swap"));
    await writeTextFile(root, "swap/file.txt", "first\n");
    await rm(path.join(root, "swap"), { recursive: true });
    await symlink(outside, path.join(root, "swap"));
    await expect(writeTextFile(root, "swap/file.txt", PWNED)).rejects.toMatchObject({ reason: "symlink_escape" });
    await expect(writeTextFile(root, "swap/secret.txt", PWNED)).rejects.toMatchObject({ reason: "symlink_escape" });
    await expect(readTextFile(root, "swap/secret.txt")).rejects.toMatchObject({ reason: "symlink_escape" });
    await rm(path.join(root, "swap"));
    expect(await snapshot()).toEqual(before);
  });

  it("refuses what a directory swapped for a link outside between the check and the open would reach", { timeout: 60_000 }, async () => {
    // The race the kernel settles: `resolveInside` sees a real directory, then, before open(2),
    // another process puts a symbolic link to the outside in its place.
    const dir = path.join(root, "swapped");
    const stash = path.join(root, "swapped-stash");
    await mkdir(dir);
    let running = true;
    const exists = async (p: string) => (await lstat(p).catch(() => null)) !== null;
    // Puts the real directory back; the writer's mkdir may race with it, so it tries again.
    const reset = async () => {
      for (let attempt = 0; ; attempt++) {
        try {
          const stat = await lstat(dir).catch(() => null);
          if (stat?.isSymbolicLink()) await rm(dir);
          else if (stat && (await exists(stash))) await rm(dir, { recursive: true, force: true });
          if (await exists(stash)) await rename(stash, dir);
          return;
        } catch (error) {
          if (attempt > 100) throw error;
        }
      }
    };
    const swapper = (async () => {
      while (running) {
        try {
          await rename(dir, stash);
          await symlink(outside, dir);
          await new Promise((resolve) => setImmediate(resolve));
          await rm(dir);
          await rename(stash, dir);
        } catch {
          // The writer's mkdir recreated the directory meanwhile: put things back, go on.
          await reset();
        }
      }
    })();
    const refusals = new Map<string, number>();
    const count = (e: unknown) => {
      // A directory that vanishes mid-call (ENOENT) or a name that appears (EEXIST) fails safely.
      const code = (e as { code?: string }).code;
      const name = e instanceof Error ? (code === "ENOENT" || code === "EEXIST" ? code : `${e.name}: ${e.message.includes("changed while") ? "raced" : "refused"}`) : String(e);
      refusals.set(name, (refusals.get(name) ?? 0) + 1);
    };
    for (let i = 0; i < 500; i++) {
      await writeTextFile(root, i % 2 ? "swapped/secret.txt" : `swapped/race-${i % 8}.txt`, PWNED).catch(count);
      await readTextFile(root, "swapped/secret.txt").then((content) => expect(content).not.toContain(DECOY), count);
    }
    running = false;
    await swapper;
    await reset();
    await rm(dir, { recursive: true, force: true });
    expect([...refusals.keys()].filter((name) => !/^(ConfinementError|FileAccessError): |^ENOENT$|^EEXIST$/.test(name))).toEqual([]);
    expect(await snapshot()).toEqual(before);
  });
});
