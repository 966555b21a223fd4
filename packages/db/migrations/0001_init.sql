-- Wharf initial schema: exactly what prisma/schema.prisma describes (checked by src/schema-drift.test.ts).

-- CreateEnum
CREATE TYPE "TaskState" AS ENUM ('queued', 'running', 'needs_input', 'review', 'applied', 'discarded', 'completed', 'failed', 'cancelled');

-- CreateEnum
CREATE TYPE "AgentTransport" AS ENUM ('acp', 'pty', 'native');

-- CreateEnum
CREATE TYPE "PermissionState" AS ENUM ('pending', 'answered', 'cancelled', 'expired');

-- CreateEnum
CREATE TYPE "ChangeState" AS ENUM ('pending', 'applied', 'discarded', 'conflict');

-- CreateTable
CREATE TABLE "project" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "repo_path" TEXT NOT NULL,
    "base_branch" TEXT NOT NULL,
    "setup_script" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "project_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "agent" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "transport" "AgentTransport" NOT NULL,
    "command" TEXT NOT NULL,
    "args" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "env" JSONB NOT NULL DEFAULT '{}',
    "secret_env" JSONB NOT NULL DEFAULT '{}',
    "builtin" BOOLEAN NOT NULL DEFAULT false,
    "available" BOOLEAN,
    "version" TEXT,
    "detect_error" TEXT,
    "detected_at" TIMESTAMPTZ(3),
    "capabilities" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "agent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "task" (
    "id" UUID NOT NULL,
    "project_id" UUID NOT NULL,
    "agent_id" TEXT NOT NULL,
    "prompt" TEXT NOT NULL,
    "model" TEXT,
    "mode" TEXT,
    "state" "TaskState" NOT NULL DEFAULT 'queued',
    "attempt" INTEGER NOT NULL DEFAULT 0,
    "runner_id" TEXT,
    "job_id" TEXT,
    "worktree_path" TEXT,
    "branch" TEXT,
    "base_commit" TEXT,
    "session_id" TEXT,
    "last_seq" INTEGER NOT NULL DEFAULT 0,
    "cancel_requested" BOOLEAN NOT NULL DEFAULT false,
    "input_tokens" BIGINT,
    "output_tokens" BIGINT,
    "cost_amount" DOUBLE PRECISION,
    "cost_currency" TEXT,
    "summary" TEXT,
    "error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "task_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "task_event" (
    "task_id" UUID NOT NULL,
    "seq" INTEGER NOT NULL,
    "type" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "task_event_pkey" PRIMARY KEY ("task_id","seq")
);

-- CreateTable
CREATE TABLE "permission_request" (
    "id" UUID NOT NULL,
    "task_id" UUID NOT NULL,
    "tool_call_id" TEXT NOT NULL,
    "title" TEXT,
    "tool_kind" TEXT,
    "options" JSONB NOT NULL,
    "tool_call" JSONB NOT NULL,
    "state" "PermissionState" NOT NULL DEFAULT 'pending',
    "chosen_option" TEXT,
    "answered_by" TEXT,
    "answered_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "permission_request_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "change" (
    "id" UUID NOT NULL,
    "task_id" UUID NOT NULL,
    "branch" TEXT NOT NULL,
    "base_commit" TEXT NOT NULL,
    "head_commit" TEXT NOT NULL,
    "files" JSONB NOT NULL,
    "additions" INTEGER NOT NULL,
    "deletions" INTEGER NOT NULL,
    "diff" TEXT NOT NULL,
    "state" "ChangeState" NOT NULL DEFAULT 'pending',
    "message" TEXT,
    "applied_commit" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "change_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "runner" (
    "id" TEXT NOT NULL,
    "hostname" TEXT NOT NULL,
    "pid" INTEGER NOT NULL,
    "concurrency" INTEGER NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "heartbeat_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "runner_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "project_repo_path_key" ON "project"("repo_path");

-- CreateIndex
CREATE INDEX "task_state_updated_at_idx" ON "task"("state", "updated_at");

-- CreateIndex
CREATE INDEX "task_project_id_created_at_idx" ON "task"("project_id", "created_at");

-- CreateIndex
CREATE INDEX "permission_request_task_id_state_idx" ON "permission_request"("task_id", "state");

-- CreateIndex
CREATE INDEX "permission_request_state_created_at_idx" ON "permission_request"("state", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "change_task_id_key" ON "change"("task_id");

-- AddForeignKey
ALTER TABLE "task" ADD CONSTRAINT "task_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "project"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "task" ADD CONSTRAINT "task_agent_id_fkey" FOREIGN KEY ("agent_id") REFERENCES "agent"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "task_event" ADD CONSTRAINT "task_event_task_id_fkey" FOREIGN KEY ("task_id") REFERENCES "task"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "permission_request" ADD CONSTRAINT "permission_request_task_id_fkey" FOREIGN KEY ("task_id") REFERENCES "task"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "change" ADD CONSTRAINT "change_task_id_fkey" FOREIGN KEY ("task_id") REFERENCES "task"("id") ON DELETE CASCADE ON UPDATE CASCADE;
