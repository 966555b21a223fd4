"use client";

import * as Dialog from "@radix-ui/react-dialog";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { errorMessage } from "~/lib/format";
import { invalidateBoard } from "~/lib/live-board";
import { useTRPC } from "~/trpc/react";
import type { RouterOutputs } from "~/trpc/types";
import type { Attempt } from "./compare-view";
import { Button } from "./ui";

type Picked = RouterOutputs["task"]["pickAttempt"];

const live = new Set(["blocked", "queued", "running", "needs_input"]);

/**
 * Confirms "Pick this one": says what will happen to every other attempt before it happens (in
 * review: discarded; still running: cancelled; the rest: left alone), then what did happen.
 * Apply is the default action (Enter); a pull request is the other choice.
 */
export function PickAttemptDialog({ attempt, siblings, onClose }: { attempt: Attempt; siblings: Attempt[]; onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [done, setDone] = useState<Picked | null>(null);
  const pick = useMutation(
    trpc.task.pickAttempt.mutationOptions({
      onSuccess: async (result) => {
        setDone(result);
        await Promise.all([invalidateBoard(queryClient, trpc), queryClient.invalidateQueries(trpc.task.attempts.pathFilter())]);
      },
      // A conflict changed the chosen change's state: show it.
      onError: () => queryClient.invalidateQueries(trpc.task.attempts.pathFilter()),
    }),
  );
  const discard = siblings.filter((s) => s.state === "review");
  const cancel = siblings.filter((s) => live.has(s.state));
  const keep = siblings.filter((s) => s.state !== "review" && !live.has(s.state));
  const names = (list: Attempt[]) => list.map((s) => `#${s.attemptIndex} (${s.agent.name})`).join(", ");

  return (
    <Dialog.Root open onOpenChange={(open) => !open && onClose()}>
      <Dialog.Portal>
        <Dialog.Overlay className="fixed inset-0 z-40 bg-black/40 backdrop-blur-[1px]" />
        <Dialog.Content className="fixed top-1/2 left-1/2 z-50 w-[min(520px,calc(100vw-1.5rem))] -translate-x-1/2 -translate-y-1/2 rounded-xl border border-line bg-panel p-5 text-sm shadow-2xl" data-testid="pick-dialog">
          <Dialog.Title className="text-lg font-semibold">
            {done ? `Picked attempt ${done.attemptIndex}` : `Pick attempt ${attempt.attemptIndex} (${attempt.agent.name})?`}
          </Dialog.Title>
          {done ? (
            <>
              <Dialog.Description className="mt-1 text-muted">
                {done.pullRequest ? `Pull request opened: ${done.pullRequest.url}` : `Applied as ${done.commit.slice(0, 12)}.`}
              </Dialog.Description>
              <ul className="mt-3 grid gap-1" data-testid="pick-result">
                {done.siblings.map((s) => (
                  <li key={s.taskId}>
                    Attempt {s.attemptIndex}: <span className="font-medium">{s.action}</span> — {s.note}
                  </li>
                ))}
              </ul>
              <div className="mt-4 flex justify-end">
                <Button tone="primary" autoFocus onClick={onClose}>
                  Close
                </Button>
              </div>
            </>
          ) : (
            <>
              <Dialog.Description className="mt-1 text-muted">Its change goes to the project; then the other attempts are settled:</Dialog.Description>
              <ul className="mt-3 grid list-disc gap-1 pl-5">
                {discard.length > 0 && <li>Discarded (their changes and worktrees go): {names(discard)}</li>}
                {cancel.length > 0 && <li>Cancelled (still running): {names(cancel)}</li>}
                {keep.length > 0 && <li>Left as they are: {names(keep)}</li>}
                {siblings.length === 0 && <li>There are no other attempts.</li>}
              </ul>
              <p className="mt-2 text-xs text-muted">If the change does not apply (a conflict), nothing else happens.</p>
              {pick.error && (
                <p role="alert" className="mt-3 text-rose-600 dark:text-rose-400" data-testid="pick-error">
                  {errorMessage(pick.error)}
                </p>
              )}
              <div className="mt-4 flex flex-wrap justify-end gap-2">
                <Dialog.Close asChild>
                  <Button tone="ghost">Cancel</Button>
                </Dialog.Close>
                <Button disabled={pick.isPending} onClick={() => pick.mutate({ taskId: attempt.id, action: "pull_request" })}>
                  Open a pull request
                </Button>
                <Button tone="primary" autoFocus disabled={pick.isPending} onClick={() => pick.mutate({ taskId: attempt.id, action: "apply" })}>
                  {pick.isPending ? "Picking…" : "Apply this one"}
                </Button>
              </div>
            </>
          )}
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}
