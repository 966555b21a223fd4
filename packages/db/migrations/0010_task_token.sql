-- Wharf's own MCP server. A project may give it to its tasks' agents (wharf_mcp); each agent session
-- gets a token scoped to its task, of which only the SHA-256 is stored (task_token). A token works
-- while its task is not in a final state and it is not revoked (a newer session's token revokes it).
ALTER TABLE "project" ADD COLUMN "wharf_mcp" BOOLEAN NOT NULL DEFAULT false;

CREATE TABLE "task_token" (
    "hash" TEXT NOT NULL,
    "task_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMPTZ(3),
    CONSTRAINT "task_token_pkey" PRIMARY KEY ("hash")
);
CREATE INDEX "task_token_task_id_idx" ON "task_token"("task_id");
ALTER TABLE "task_token" ADD CONSTRAINT "task_token_task_id_fkey" FOREIGN KEY ("task_id") REFERENCES "task"("id") ON DELETE CASCADE ON UPDATE CASCADE;
