import { describe, expect, it } from "vitest";
import { StartGate } from "./start-gate";

describe("StartGate", () => {
  it("lets `limit` starts in at once and the rest in order as each ends", async () => {
    const gate = new StartGate(2);
    const order: string[] = [];
    const enter = (name: string) => gate.enter().then((leave) => (order.push(name), leave));
    const a = await enter("a");
    const b = await enter("b");
    const c = enter("c");
    const d = enter("d");
    await Promise.resolve();
    expect(order).toEqual(["a", "b"]);
    expect(gate.waiting).toBe(2);
    a();
    a(); // a second call changes nothing
    const leaveC = await c;
    expect(order).toEqual(["a", "b", "c"]);
    expect(gate.waiting).toBe(1);
    b();
    (await d)();
    leaveC();
    // All ended: the next enters at once.
    (await enter("e"))();
    expect(order).toEqual(["a", "b", "c", "d", "e"]);
  });

  it("lets an urgent start (a task's) go before spares that came first, and a spare hurried meanwhile too", async () => {
    const gate = new StartGate(1);
    const order: string[] = [];
    const leaveFirst = await gate.enter();
    const spare1 = { urgent: false };
    const spare2 = { urgent: false };
    // Each one, once in, notes its turn and ends its start at once.
    const enter = (name: string, ticket?: { urgent: boolean }) => gate.enter(ticket).then((leave) => (order.push(name), leave()));
    const waits = [enter("spare1", spare1), enter("spare2", spare2), enter("task")];
    spare2.urgent = true; // a task took spare2 while it waited
    leaveFirst();
    await Promise.all(waits);
    expect(order).toEqual(["spare2", "task", "spare1"]);
  });

  it("refuses a limit below 1", () => {
    expect(() => new StartGate(0)).toThrow(/at least 1/);
  });
});
