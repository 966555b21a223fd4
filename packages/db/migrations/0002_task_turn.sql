-- A follow-up's turn number and prompt live on the task row: task.prompt increments the turn and
-- stores the prompt in the same statement that queues the task, and the runner reads both from the
-- row instead of counting and searching the event log.
ALTER TABLE "task" ADD COLUMN "turn" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "task" ADD COLUMN "pending_prompt" TEXT;
