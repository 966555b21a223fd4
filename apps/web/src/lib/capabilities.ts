import { z } from "zod";

const named = z.object({ id: z.string(), name: z.string().optional() });
const capabilitiesSchema = z.object({
  modes: z.array(z.union([named, z.object({ modeId: z.string(), name: z.string().optional() })])).optional(),
  models: z.array(z.union([named, z.object({ modelId: z.string(), name: z.string().optional() })])).optional(),
});

export type Choice = { id: string; name: string };

/** The modes and models an agent last reported, if its stored capabilities have that shape. */
export function agentChoices(capabilities: unknown): { modes: Choice[]; models: Choice[] } {
  const parsed = capabilitiesSchema.safeParse(capabilities);
  if (!parsed.success) return { modes: [], models: [] };
  const pick = (list: ({ id: string } | { modeId: string } | { modelId: string }) & { name?: string }) => {
    const id = "id" in list ? list.id : "modeId" in list ? list.modeId : list.modelId;
    return { id, name: list.name ?? id };
  };
  return { modes: (parsed.data.modes ?? []).map(pick), models: (parsed.data.models ?? []).map(pick) };
}
