/**
 * The Prisma client, for the routers that have not moved to SQL query functions yet (task,
 * change, permission, task-events): `createServices` is its only importer. It goes when they have
 * moved, with `client.ts`, the generate step and `@prisma/client`.
 */
export { createPrisma } from "./client";
export type { PrismaClient } from "./generated/prisma/client";
