import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/prisma/client";
import { consoleLogger, type Logger } from "./logger";

/** A Prisma client over node-postgres (Prisma 7 driver adapter); close it with `$disconnect()`. */
export function createPrisma(url: string, opts: { poolSize?: number; log?: Logger } = {}): PrismaClient {
  const log = opts.log ?? consoleLogger;
  const adapter = new PrismaPg(
    { connectionString: url, max: opts.poolSize ?? 10, application_name: "wharf-prisma" },
    {
      onPoolError: (error) => log.error("idle Prisma connection failed", { error: error.message }),
      onConnectionError: (error) => log.error("Prisma connection failed", { error: error.message }),
    },
  );
  return new PrismaClient({ adapter });
}
