-- Projects that live elsewhere: a project may name a clone URL (any URL git fetches). Runners that
-- cannot see repo_path (or every runner, for a project added by URL only) keep their own clone of
-- it. repo_managed: repo_path is Wharf's own clone of clone_url on the web host (project added by
-- URL only), where reviews read and applied changes land before they are pushed back to the URL.
ALTER TABLE "project" ADD COLUMN "clone_url" TEXT;
ALTER TABLE "project" ADD COLUMN "repo_managed" BOOLEAN NOT NULL DEFAULT false;
-- The repository a runner made the task's worktree in when it is not the project's repo_path (its
-- own clone); null: repo_path. Reconcile and teardown remove the worktree there.
ALTER TABLE "task" ADD COLUMN "work_repo" TEXT;
-- Changes travel back: the task branch's commits since its base as a git bundle, written by the
-- runner at the end of each turn it ran in its own clone; the web host fetches from it before it
-- reads or moves the branch, a runner without the branch fetches from it for a follow-up.
CREATE TABLE "task_bundle" (
    "task_id" UUID NOT NULL,
    "branch" TEXT NOT NULL,
    "base_commit" TEXT NOT NULL,
    "head_commit" TEXT NOT NULL,
    "bundle" BYTEA NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "task_bundle_pkey" PRIMARY KEY ("task_id")
);
ALTER TABLE "task_bundle" ADD CONSTRAINT "task_bundle_task_id_fkey" FOREIGN KEY ("task_id") REFERENCES "task"("id") ON DELETE CASCADE ON UPDATE CASCADE;
