import { Readable, Writable } from "node:stream";
import { ndJsonStream } from "@agentclientprotocol/sdk";
import { createAgentApp } from "./agent-app.ts";
import { readScenarioFromEnv } from "./env.ts";
import type { Scenario } from "./scenario-schema.ts";

/** Process entry: serve ACP over stdin/stdout until the client closes stdin. */

let scenario: Scenario;
try {
  scenario = readScenarioFromEnv();
} catch (error) {
  process.stderr.write(`wharf-test-agent: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
}

// A client that goes away mid-write is the end of the conversation, not a crash.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(0);
  throw error;
});

const stream = ndJsonStream(
  Writable.toWeb(process.stdout) as WritableStream<Uint8Array>,
  Readable.toWeb(process.stdin) as ReadableStream<Uint8Array>,
);
const connection = createAgentApp(scenario).connect(stream);
await connection.closed;
process.exit(0);
