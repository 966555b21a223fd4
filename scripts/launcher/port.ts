import net from "node:net";

/** The address the web server should listen on is taken or not allowed. */
export class PortUnavailableError extends Error {
  constructor(
    readonly host: string,
    readonly port: number,
    readonly code: string,
  ) {
    super(
      code === "EADDRINUSE"
        ? `Port ${port} on ${host} is already in use (is Wharf already running?). ` +
            `Choose another port with WHARF_PORT, e.g. WHARF_PORT=${port === 65535 ? 7778 : port + 1} ./wharf start`
        : `Cannot listen on ${host}:${port} (${code}). Choose another address with WHARF_HOST / WHARF_PORT.`,
    );
    this.name = "PortUnavailableError";
  }
}

/** Resolves when `host:port` can be bound right now; rejects with PortUnavailableError otherwise. */
export function assertPortFree(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", (error: NodeJS.ErrnoException) => {
      reject(new PortUnavailableError(host, port, error.code ?? error.message));
    });
    server.listen({ host, port, exclusive: true }, () => {
      server.close(() => resolve());
    });
  });
}

/** Asks the kernel for a port that is free on `host` now (for tests). */
export function findFreePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error("The kernel gave no port."))));
    });
  });
}
