-- Review that lands work: line comments sent back to the agent, files marked as viewed, and what
-- pushing a task branch and opening a pull / merge request need.

CREATE TYPE "CommentSide" AS ENUM ('old', 'new');
CREATE TYPE "CommentState" AS ENUM ('open', 'sent');
CREATE TYPE "ForgeKind" AS ENUM ('github', 'gitlab');

-- A reviewer's comment on a line or a range of lines of a task's change. `anchor` keeps the lines
-- as they read when the comment was written, so a later turn that changes them shows it outdated.
CREATE TABLE "review_comment" (
    "id" UUID NOT NULL,
    "task_id" UUID NOT NULL,
    "path" TEXT NOT NULL,
    "start_line" INTEGER NOT NULL,
    "end_line" INTEGER NOT NULL,
    "side" "CommentSide" NOT NULL DEFAULT 'new',
    "body" TEXT NOT NULL,
    "anchor" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "head_commit" TEXT NOT NULL,
    "state" "CommentState" NOT NULL DEFAULT 'open',
    "sent_in_turn" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "review_comment_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "review_comment_task_id_created_at_idx" ON "review_comment"("task_id", "created_at");
ALTER TABLE "review_comment" ADD CONSTRAINT "review_comment_task_id_fkey" FOREIGN KEY ("task_id") REFERENCES "task"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- A file a reviewer marked as viewed, with the git blob it had then (`deleted` for a removed
-- file): the mark holds while the file's content at the change's head is that blob, so a later
-- turn that changes the file resets it.
CREATE TABLE "viewed_file" (
    "task_id" UUID NOT NULL,
    "path" TEXT NOT NULL,
    "blob" TEXT NOT NULL,
    "viewed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "viewed_file_pkey" PRIMARY KEY ("task_id", "path")
);
ALTER TABLE "viewed_file" ADD CONSTRAINT "viewed_file_task_id_fkey" FOREIGN KEY ("task_id") REFERENCES "task"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Where a project's task branches are pushed and which forge opens their pull requests. Null
-- remote: detect (`origin`, else the only remote). Null forge fields: guessed from the remote's
-- URL. `forge_token` is a write-only secret: no query the API answers with selects it.
ALTER TABLE "project" ADD COLUMN "remote" TEXT;
ALTER TABLE "project" ADD COLUMN "forge_kind" "ForgeKind";
ALTER TABLE "project" ADD COLUMN "forge_api_url" TEXT;
ALTER TABLE "project" ADD COLUMN "forge_project" TEXT;
ALTER TABLE "project" ADD COLUMN "forge_token" TEXT;

-- The remote branch a task was last pushed to and the commit pushed (the lease of the next push
-- after a rebase), and its pull / merge request.
ALTER TABLE "task" ADD COLUMN "pushed_branch" TEXT;
ALTER TABLE "task" ADD COLUMN "pushed_commit" TEXT;
ALTER TABLE "task" ADD COLUMN "pr_url" TEXT;
ALTER TABLE "task" ADD COLUMN "pr_number" INTEGER;
