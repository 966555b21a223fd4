import { afterEach, describe, expect, it } from "vitest";
import { silentLogger } from "./logger";
import { updateRefWhile } from "./ref-transaction";
import { runGit } from "./run-git";
import { createTestRepo, type TestRepo } from "./testing";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function twoCommits(): Promise<{ repo: TestRepo; first: string; second: string }> {
  const repo = await createTestRepo();
  cleanups.push(repo.remove);
  const first = await repo.git("rev-parse", "HEAD");
  const second = await repo.commit({ "b.txt": "b\n" });
  await repo.git("update-ref", "refs/heads/target", first);
  return { repo, first, second };
}

describe("updateRefWhile", () => {
  it("holds the ref's lock while `during` runs, then moves it", async () => {
    const { repo, first, second } = await twoCommits();
    let otherWriter: { exitCode: number; stderr: string } | undefined;
    const outcome = await updateRefWhile(
      { cwd: repo.path, ref: "refs/heads/target", newValue: second, oldValue: first, reflogMessage: "test", logger: silentLogger },
      async () => {
        otherWriter = await runGit(["update-ref", "refs/heads/target", first], {
          cwd: repo.path,
          okExitCodes: [128],
          retryOnLock: false,
        });
      },
    );
    expect(outcome).toBe("committed");
    expect(otherWriter?.exitCode).toBe(128);
    expect(otherWriter?.stderr).toMatch(/target\.lock': File exists/);
    expect(await repo.git("rev-parse", "target")).toBe(second);
    expect(await repo.git("reflog", "-1", "--format=%gs", "target")).toBe("test");
  });

  it("leaves the ref alone when `during` throws", async () => {
    const { repo, first, second } = await twoCommits();
    await expect(
      updateRefWhile(
        { cwd: repo.path, ref: "refs/heads/target", newValue: second, oldValue: first, reflogMessage: "test", logger: silentLogger },
        async () => {
          throw new Error("work tree update failed");
        },
      ),
    ).rejects.toThrow("work tree update failed");
    expect(await repo.git("rev-parse", "target")).toBe(first);
    await expect(repo.git("update-ref", "refs/heads/target", second, first)).resolves.toBe("");
  });

  it("does nothing and says so when the ref is no longer at oldValue", async () => {
    const { repo, first, second } = await twoCommits();
    let ran = false;
    const outcome = await updateRefWhile(
      { cwd: repo.path, ref: "refs/heads/target", newValue: first, oldValue: second, reflogMessage: "test", logger: silentLogger },
      async () => {
        ran = true;
      },
    );
    expect(outcome).toBe("ref_moved");
    expect(ran).toBe(false);
    expect(await repo.git("rev-parse", "target")).toBe(first);
  });
});
