-- Best-of-N: one prompt run by several agents (or several runs of one) as sibling tasks. The
-- siblings share attempt_group; attempt_index numbers them 1..N in the order they were asked for.
ALTER TABLE "task" ADD COLUMN "attempt_group" UUID;
ALTER TABLE "task" ADD COLUMN "attempt_index" INTEGER;
CREATE INDEX "task_attempt_group_idx" ON "task"("attempt_group");
