-- A project's workspace settings: what makes a new worktree a place where work can be done.
-- setup_script (0001) runs before the agent starts; teardown_script before a worktree is removed;
-- copy_files names git-ignored files copied from the checkout into each new worktree; services are
-- named long-running commands a person starts for a task ([{name, command, ports}]).
ALTER TABLE "project" ADD COLUMN "teardown_script" TEXT;
ALTER TABLE "project" ADD COLUMN "copy_files" TEXT[] DEFAULT ARRAY[]::TEXT[];
ALTER TABLE "project" ADD COLUMN "services" JSONB NOT NULL DEFAULT '[]';
ALTER TABLE "project" ADD COLUMN "setup_timeout_seconds" INTEGER NOT NULL DEFAULT 600;
