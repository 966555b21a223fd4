#!/usr/bin/env node
// The wharf CLI is TypeScript run by Node's own type stripping; the compile cache keeps start-up short.
import module from "node:module";

module.enableCompileCache?.();
const { main } = await import("../src/main.ts");
process.exitCode = await main(process.argv.slice(2));
