import { once } from "node:events";
import * as fsPromises from "node:fs/promises";
import { describe, expect, it, vi } from "vitest";
import { alive, firstLine } from "../testing/processes";
import { unsandboxed } from "../testing/sandbox";
import { groupMembers } from "./proc-scan";
import { spawnInGroup, spawnRecord } from "./spawn";
import { terminateGroup } from "./terminate";

// Counts the scans of /proc (each begins with a readdir of it); everything else is the real module.
vi.mock("node:fs/promises", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:fs/promises")>();
  return { ...actual, readdir: vi.fn(actual.readdir) };
});

const env = { PATH: process.env.PATH ?? "/usr/bin:/bin" };
const sandbox = unsandboxed();

describe("groupMembers, asked by many at once", () => {
  it("answers every caller of one moment with one scan of /proc, each with its own group", async () => {
    const children = Array.from({ length: 4 }, () => spawnInGroup("sh", ["-c", "sleep 9997 & echo $!"], { cwd: "/", env, sandbox }));
    try {
      const sleepers = await Promise.all(children.map((child) => firstLine(child).then(Number)));
      await Promise.all(children.map((child) => once(child, "exit")));
      const readdir = vi.mocked(fsPromises.readdir);
      readdir.mockClear();
      const groups = await Promise.all(children.map((child) => groupMembers(child.pid!, spawnRecord(child)!.tag, true)));
      expect(readdir.mock.calls.filter(([dir]) => dir === "/proc")).toHaveLength(1);
      groups.forEach((members, i) => {
        expect(members.map((m) => m.pid)).toContain(sleepers[i]);
        for (const other of sleepers.filter((_, j) => j !== i)) expect(members.map((m) => m.pid)).not.toContain(other);
      });
      // A caller after that scan began gets a scan of its own, which sees what happened since.
      await terminateGroup(children[0]!, 1000);
      expect(alive(sleepers[0]!)).toBe(false);
      // Gone, or a zombie until its new parent reaps it.
      const after = await groupMembers(children[0]!.pid!, spawnRecord(children[0]!)!.tag, true);
      expect(after.find((m) => m.pid === sleepers[0])?.state ?? "Z").toBe("Z");
      expect(readdir.mock.calls.filter(([dir]) => dir === "/proc").length).toBeGreaterThan(1);
    } finally {
      await Promise.all(children.map((child) => terminateGroup(child, 1000)));
    }
  });
});
