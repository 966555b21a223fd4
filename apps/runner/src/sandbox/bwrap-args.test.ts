import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bwrapArgs, type SandboxPolicy } from "./bwrap-args";
import { detectSandbox, Sandbox } from "./sandbox";

/**
 * The sandbox gives agents a private /tmp and /var/tmp. What must stay readable though it lies there
 * (Wharf's own checkout, Node, the agent's program) is bound back read-only: `readable`.
 */

let tmp: string;
let home: string;
let program: string;
let secret: string;
let root: string;

beforeAll(() => {
  // Always under /tmp itself (not $TMPDIR): that is the folder the sandbox makes private.
  tmp = realpathSync(mkdtempSync("/tmp/wharf-readable-"));
  home = path.join(tmp, "home");
  root = path.join(tmp, "root");
  program = path.join(tmp, "agent");
  secret = path.join(tmp, "not-listed");
  for (const dir of [home, root, program, path.join(program, "lib"), secret]) mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(program, "run.sh"), "#!/bin/sh\necho ran; cat \"$(dirname \"$0\")/lib/data\"\n");
  chmodSync(path.join(program, "run.sh"), 0o755);
  writeFileSync(path.join(program, "lib", "data"), "program data\n");
  writeFileSync(path.join(secret, "file"), "not for the agent\n");
  symlinkSync(program, path.join(tmp, "agent-link"));
});

afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

const policy = (readable: string[]): SandboxPolicy => ({ root, cwd: root, stateDirs: [], hidden: [home], network: true, readable });

/** The `--ro-bind` pairs of an argument list, in order. */
function roBinds(args: string[]): string[] {
  return args.flatMap((arg, i) => (arg === "--ro-bind" ? [args[i + 1]!] : []));
}

describe("bwrapArgs: readable folders in the private /tmp", () => {
  it("binds back, read-only, each existing folder that lies in /tmp or /var/tmp, after the tmpfs that hides it and before the masks", () => {
    const args = bwrapArgs(policy([program, "/usr/bin", path.join(tmp, "missing")]));
    // `/` first, then the program's folder: /usr/bin is visible anyway, a missing folder is skipped.
    expect(roBinds(args)).toEqual(["/", program]);
    const bind = args.indexOf(program);
    expect(args[bind - 1]).toBe("--ro-bind");
    expect(args[bind + 1]).toBe(program); // same path inside and out
    expect(bind).toBeGreaterThan(args.lastIndexOf("/tmp"));
    expect(bind).toBeGreaterThan(args.indexOf("/var/tmp"));
    expect(bind).toBeLessThan(args.indexOf(home));
    expect(bind).toBeLessThan(args.indexOf("--bind"));
  });

  it("binds the real path of a symlinked folder, and an outer folder once for the folders inside it", () => {
    const args = bwrapArgs(policy([path.join(tmp, "agent-link"), path.join(program, "lib"), program]));
    expect(roBinds(args)).toEqual(["/", program]);
  });

  it("binds nothing back without readable folders", () => {
    expect(roBinds(bwrapArgs(policy([])))).toEqual(["/"]);
    expect(roBinds(bwrapArgs({ ...policy([]), readable: undefined }))).toEqual(["/"]);
  });

  it("binds the folder of an agent program given by its path (Sandbox.wrap)", () => {
    const sandbox = new Sandbox({ on: true, mode: "auto", bwrap: "/usr/bin/bwrap", reason: "" }, { mode: "auto", home });
    const launch = sandbox.wrap(path.join(program, "run.sh"), [], { root, cwd: root, env: {} });
    expect(roBinds(launch.args)).toContain(program);
    expect(roBinds(launch.args)).not.toContain(secret);
    expect(launch.args.slice(-1)).toEqual([path.join(program, "run.sh")]);
  });
});

const detected = detectSandbox({ mode: "auto", home: "/nonexistent-wharf-home", path: process.env.PATH });

describe.skipIf(!detected.on)("readable folders in a real bubblewrap sandbox", () => {
  it("runs an agent program kept in /tmp and reads its files, cannot change them, and sees nothing else of the host's /tmp", () => {
    const sandbox = new Sandbox(detected, { mode: "auto", home });
    const script = [
      `"${path.join(program, "run.sh")}"`,
      `test -e "${path.join(secret, "file")}" && echo secret-visible`,
      `echo changed > "${path.join(program, "lib", "data")}" 2>/dev/null || echo write-refused`,
      `echo planted > "${path.join(program, "planted")}" 2>/dev/null || echo plant-refused`,
    ].join("; ");
    const env = { PATH: "/usr/bin:/bin" };
    // The shell comes from /bin; the program is named by path inside the script, so its folder is listed explicitly.
    const launch = sandbox.wrap("/bin/sh", ["-c", script], { root, cwd: root, env });
    const args = bwrapArgs({ ...policy([program]) });
    expect(roBinds(args)).toContain(program);
    const bwrap = detected.on ? detected.bwrap : "bwrap";
    const withProgram = spawnSync(bwrap, [...args, "/bin/sh", "-c", script], { encoding: "utf8", env, timeout: 20_000 });
    expect(withProgram.stdout).toContain("ran\nprogram data");
    expect(withProgram.stdout).toContain("write-refused");
    expect(withProgram.stdout).toContain("plant-refused");
    expect(withProgram.stdout).not.toContain("secret-visible");
    expect(existsSync(path.join(program, "planted"))).toBe(false);
    // Without it in `readable`, the private /tmp hides the program.
    const without = spawnSync(launch.command, launch.args, { encoding: "utf8", env, timeout: 20_000 });
    expect(without.stdout).not.toContain("ran");
    expect(without.stdout).not.toContain("secret-visible");
  }, 30_000);
});
