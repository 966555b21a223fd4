#!/usr/bin/env node
// The test agent is TypeScript run by Node's own type stripping; the compile cache keeps start-up short.
// The cache lives beside the package, not in the system's temp folder: an agent in the OS sandbox
// has a private, empty /tmp, but reads this folder (read-only), which unsandboxed runs fill. Its
// start then takes about half the CPU.
import module from "node:module";
import { fileURLToPath } from "node:url";

module.enableCompileCache?.(fileURLToPath(new URL("../.compile-cache", import.meta.url)));
await import("../src/main.ts");
