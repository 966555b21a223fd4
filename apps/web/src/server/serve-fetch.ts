import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";

export type ServedHandler = {
  origin: string;
  server: http.Server;
  /** Cuts every open connection from the server's side, as a proxy or a restart would; the server keeps listening. */
  dropConnections(): void;
  close(): Promise<void>;
};

/**
 * Serves a fetch-style handler (as Next calls the route handlers) over real HTTP on 127.0.0.1,
 * for tests: bodies stream through, and a client that goes away aborts the request's signal.
 */
export async function serveFetch(handler: (req: Request) => Promise<Response>): Promise<ServedHandler> {
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    const abort = new AbortController();
    res.on("close", () => abort.abort());
    const request = new Request(`http://${req.headers.host}${req.url}`, {
      method: req.method,
      headers: Object.entries(req.headers).flatMap(([k, v]) => (typeof v === "string" ? [[k, v] as [string, string]] : [])),
      body: req.method === "GET" || req.method === "HEAD" ? undefined : (Readable.toWeb(req) as ReadableStream),
      // @ts-expect-error Node's fetch needs this for a streamed body; the DOM types do not know it
      duplex: "half",
      signal: abort.signal,
    });
    void handler(request).then(async (response) => {
      res.writeHead(response.status, Object.fromEntries(response.headers));
      if (!response.body) return void res.end();
      await pipeline(Readable.fromWeb(response.body as never), res).catch((error: unknown) => {
        if (!res.destroyed) console.error("response stream failed", error);
      });
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const dropConnections = () => {
    for (const socket of sockets) socket.destroy();
  };
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    server,
    dropConnections,
    async close() {
      dropConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
