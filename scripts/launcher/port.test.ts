import net from "node:net";
import { describe, expect, it } from "vitest";
import { assertPortFree, findFreePort, PortUnavailableError } from "./port";

describe("assertPortFree", () => {
  it("accepts a free port and names a taken one with a way out", async () => {
    const port = await findFreePort();
    await expect(assertPortFree("127.0.0.1", port)).resolves.toBeUndefined();

    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen({ host: "127.0.0.1", port }, resolve));
    try {
      const error = await assertPortFree("127.0.0.1", port).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(PortUnavailableError);
      expect((error as PortUnavailableError).message).toContain(`Port ${port} on 127.0.0.1 is already in use`);
      expect((error as PortUnavailableError).message).toContain("WHARF_PORT=");
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
