-- A fleet-wide cap on a project's running tasks (null: no cap), enforced by the runners with
-- advisory-lock slots next to the agent's cap: a task runs only holding a slot of both.
ALTER TABLE "project" ADD COLUMN "max_running" INTEGER;
