// Run as its own process by embedded.test.ts: starts the embedded server, prints its URL, waits.
import { startEmbeddedPostgres } from "./embedded";
import { quietLogger } from "./logger";

const [dataDir, port] = process.argv.slice(2);
const server = await startEmbeddedPostgres({ dataDir: dataDir!, port: Number(port), fastInit: true, log: quietLogger });
process.stdout.write(`${server.url}\n`);
setInterval(() => undefined, 60_000);
