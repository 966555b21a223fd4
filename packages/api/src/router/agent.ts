import { z } from "zod";
import { protectedProcedure } from "../trpc";

/** Never includes secretEnv: secrets are write-only. */
export const agentSelect = {
  id: true,
  name: true,
  transport: true,
  command: true,
  args: true,
  env: true,
  builtin: true,
  available: true,
  version: true,
  detectError: true,
  detectedAt: true,
  capabilities: true,
} as const;

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "Environment variable names are letters, digits and _.").max(200);
const envMap = z.record(envName, z.string().max(10_000)).refine((m) => Object.keys(m).length <= 100, "At most 100 variables.");

export const agentUpsertInput = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "Agent ids are lower-case letters, digits and dashes."),
  name: z.string().trim().min(1).max(200),
  transport: z.enum(["acp", "pty", "native"]),
  command: z.string().trim().min(1).max(4096),
  args: z.array(z.string().max(10_000)).max(100).default([]),
  env: envMap.default({}),
  /** Write-only. Omitted = keep the stored secrets; {} = clear them. */
  secretEnv: envMap.optional(),
});

export const agentRouter = {
  list: protectedProcedure.query(({ ctx }) =>
    ctx.services.prisma.agent.findMany({ select: agentSelect, orderBy: [{ builtin: "desc" }, { name: "asc" }] }),
  ),

  upsert: protectedProcedure.input(agentUpsertInput).mutation(async ({ ctx, input }) => {
    const { secretEnv, ...fields } = input;
    const prisma = ctx.services.prisma;
    const before = await prisma.agent.findUnique({ where: { id: input.id }, select: { command: true, args: true, transport: true } });
    // Another program answers now: what the old one reported (modes, commands) no longer holds.
    const replaced =
      before !== null &&
      (before.command !== fields.command || before.transport !== fields.transport || JSON.stringify(before.args) !== JSON.stringify(fields.args));
    return prisma.agent.upsert({
      where: { id: input.id },
      create: { ...fields, secretEnv: secretEnv ?? {}, builtin: false },
      update: { ...fields, ...(secretEnv ? { secretEnv } : {}), ...(replaced ? { capabilities: {}, version: null } : {}) },
      select: agentSelect,
    });
  }),
};
