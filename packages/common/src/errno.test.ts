import { readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { expect, it } from "vitest";
import { errnoCode, isErrno } from "./errno";

it("reads the code of a real system error and of nothing else", async () => {
  const error = await readFile(path.join(os.tmpdir(), `wharf-missing-${process.pid}-${Date.now()}`)).then(
    () => null,
    (e: unknown) => e,
  );
  expect(errnoCode(error)).toBe("ENOENT");
  expect(isErrno(error, "ENOENT")).toBe(true);
  expect(isErrno(error, "EACCES")).toBe(false);
  let killError: unknown = null;
  try {
    process.kill(2 ** 22 + 12_345, 0); // above Linux's largest pid: no such process
  } catch (e) {
    killError = e;
  }
  expect(isErrno(killError, "ESRCH")).toBe(true);
  for (const other of [null, undefined, "ENOENT", 2, new Error("ENOENT"), { code: 2 }]) expect(errnoCode(other)).toBeUndefined();
});
