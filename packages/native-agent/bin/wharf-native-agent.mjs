#!/usr/bin/env node
// The native agent is TypeScript run by Node's own type stripping; the compile cache keeps start-up short.
import module from "node:module";

module.enableCompileCache?.();
await import("../src/main.ts");
