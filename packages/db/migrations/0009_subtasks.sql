-- Subtasks and dependencies. A task may have a parent (parent_id) and may depend on other tasks of
-- its project (task_dependency). A task with unmet dependencies waits in state 'blocked' with the
-- reason shown on its card (blocked_reason); the transition that moves its last dependency to
-- review, applied or completed queues it in the same transaction.
ALTER TYPE "TaskState" ADD VALUE 'blocked' BEFORE 'queued';
ALTER TABLE "task" ADD COLUMN "parent_id" UUID;
ALTER TABLE "task" ADD COLUMN "blocked_reason" TEXT;
ALTER TABLE "task" ADD CONSTRAINT "task_parent_id_fkey" FOREIGN KEY ("parent_id") REFERENCES "task"("id") ON DELETE SET NULL ON UPDATE CASCADE;
CREATE INDEX "task_parent_id_idx" ON "task"("parent_id");

CREATE TABLE "task_dependency" (
    "task_id" UUID NOT NULL,
    "depends_on_id" UUID NOT NULL,
    CONSTRAINT "task_dependency_pkey" PRIMARY KEY ("task_id", "depends_on_id")
);
CREATE INDEX "task_dependency_depends_on_id_idx" ON "task_dependency"("depends_on_id");
ALTER TABLE "task_dependency" ADD CONSTRAINT "task_dependency_task_id_fkey" FOREIGN KEY ("task_id") REFERENCES "task"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "task_dependency" ADD CONSTRAINT "task_dependency_depends_on_id_fkey" FOREIGN KEY ("depends_on_id") REFERENCES "task"("id") ON DELETE CASCADE ON UPDATE CASCADE;
