-- task_event names its task without a foreign key. The key's check ran as a trigger per inserted
-- row: about a fifth of PostgreSQL's work while agents stream thousands of events a second.
-- appendEvents inserts only where its UPDATE of the task matched, in the same statement, with
-- the task's row locked until commit: no event can name a missing task. Deleting a task still
-- deletes its events (the key's ON DELETE CASCADE), by this trigger.
ALTER TABLE "task_event" DROP CONSTRAINT "task_event_task_id_fkey";

CREATE FUNCTION "wharf_delete_task_events"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM "task_event" WHERE "task_id" = OLD."id";
  RETURN OLD;
END
$$;

CREATE TRIGGER "task_delete_events" AFTER DELETE ON "task" FOR EACH ROW EXECUTE FUNCTION "wharf_delete_task_events"();
