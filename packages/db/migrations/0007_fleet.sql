-- A runner fleet: each runner says which version it runs and which agents its host has (the queues
-- it works), refreshes heartbeat_at while it runs and sets stopped_at when it stops; the Runners page
-- and runner.list read these, and a NOTIFY on wharf_runners tells them when to.
ALTER TABLE "runner" ADD COLUMN "version" TEXT NOT NULL DEFAULT '';
ALTER TABLE "runner" ADD COLUMN "agents" TEXT[] DEFAULT ARRAY[]::TEXT[];
ALTER TABLE "runner" ADD COLUMN "stopped_at" TIMESTAMPTZ(3);
-- How often this runner refreshes heartbeat_at: it counts as gone after three intervals without one.
ALTER TABLE "runner" ADD COLUMN "heartbeat_ms" INTEGER NOT NULL DEFAULT 10000;
-- A fleet-wide cap on an agent's running tasks (null: no cap beyond each runner's concurrency),
-- enforced by pg-boss's groupConcurrency on the agent's queue.
ALTER TABLE "agent" ADD COLUMN "max_running" INTEGER;
