"use client";

import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { useTRPC } from "~/trpc/react";
import { agentChoices } from "./capabilities";
import type { SlashCommand } from "./slash-commands";

/**
 * The slash commands to offer for an agent: what its live session announced last (a task's
 * `commands` event), else what it reported before and the runner cached.
 */
export function useAgentCommands(agentId: string | undefined, reported: SlashCommand[] = []): SlashCommand[] {
  const trpc = useTRPC();
  const agents = useQuery(trpc.agent.list.queryOptions());
  return useMemo(() => {
    if (reported.length > 0) return reported;
    return agentChoices(agents.data?.find((a) => a.id === agentId)?.capabilities).commands;
  }, [agents.data, agentId, reported]);
}
