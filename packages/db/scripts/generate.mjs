// Generates the Prisma client into src/generated/prisma without a network or a database.
// Prisma's CLI wants its schema engine binary at start even though `generate` never uses it;
// pointing PRISMA_SCHEMA_ENGINE_BINARY at any existing file keeps it from downloading one.
// Skips the work when the schema and the Prisma version are unchanged and the output exists.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const schema = path.join(root, "prisma/schema.prisma");
const output = path.join(root, "src/generated/prisma");
const stamp = path.join(root, "src/generated/.schema-hash");

const require = createRequire(path.join(root, "package.json"));
const prismaPkgPath = require.resolve("prisma/package.json");
const prismaPkg = JSON.parse(readFileSync(prismaPkgPath, "utf8"));
const cli = path.join(path.dirname(prismaPkgPath), prismaPkg.bin.prisma);

const hash = createHash("sha256")
  .update(prismaPkg.version)
  .update("\0")
  .update(readFileSync(schema))
  .digest("hex");

const force = process.argv.includes("--force");
if (!force && existsSync(path.join(output, "client.ts")) && existsSync(stamp) && readFileSync(stamp, "utf8") === hash) {
  process.exit(0);
}

const result = spawnSync(process.execPath, [cli, "generate", "--schema", schema], {
  cwd: root,
  stdio: ["ignore", "pipe", "pipe"],
  encoding: "utf8",
  env: {
    ...process.env,
    PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath,
    CHECKPOINT_DISABLE: "1",
    PRISMA_HIDE_UPDATE_MESSAGE: "1",
  },
});
if (result.error || result.status !== 0) {
  process.stderr.write(result.stdout ?? "");
  process.stderr.write(result.stderr ?? "");
  console.error(`@wharf/db: prisma generate failed (${result.error?.message ?? `exit code ${result.status}`})`);
  process.exit(1);
}
writeFileSync(stamp, hash);
console.log(`@wharf/db: Prisma client generated in ${path.relative(root, output)}`);
