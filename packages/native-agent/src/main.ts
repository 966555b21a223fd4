import { Readable, Writable } from "node:stream";
import { ndJsonStream } from "@agentclientprotocol/sdk";
import { createAgentApp } from "./agent-app.ts";
import { readConfig, type Config } from "./config.ts";

/** Process entry: serve ACP over stdin/stdout until the client closes stdin. */

let config: Config;
try {
  config = readConfig();
} catch (error) {
  process.stderr.write(`wharf-native-agent: ${error instanceof Error ? error.message : String(error)}\n`);
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
const connection = createAgentApp(config).connect(stream);
await connection.closed;
process.exit(0);
