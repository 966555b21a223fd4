-- The OS sandbox: whether each runner confines its agents (and why not), and a per-agent switch
-- that leaves a sandboxed agent with loopback only.
ALTER TABLE "agent" ADD COLUMN "sandbox_network" BOOLEAN NOT NULL DEFAULT true;

ALTER TABLE "runner" ADD COLUMN "sandbox_on" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "runner" ADD COLUMN "sandbox_mode" TEXT NOT NULL DEFAULT 'auto';
ALTER TABLE "runner" ADD COLUMN "sandbox_reason" TEXT NOT NULL DEFAULT '';
