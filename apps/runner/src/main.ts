import { readEnv } from "./env";
import { createLogger } from "./logger";
import { startRunner } from "./runner";

const log = createLogger("runner");
let env;
try {
  env = readEnv();
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
}
const runner = await startRunner(env, log);

let signals = 0;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    signals += 1;
    if (signals > 1) process.exit(1);
    log.info("stopping", { signal });
    runner.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error("stopping failed", { error });
        process.exit(1);
      },
    );
  });
}
