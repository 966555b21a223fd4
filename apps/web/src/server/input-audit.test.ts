import { appRouter, createServices, type Services } from "@wharf/api";
import { createTestDatabase, type TestDatabase } from "@wharf/db/testing";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { z } from "zod";
import { serveFetch, type ServedHandler } from "./serve-fetch";
import { createTRPCHandler, MAX_BATCH, MAX_BODY_BYTES } from "./trpc-handler";

/**
 * Every tRPC procedure, over real HTTP through the web's own handler, against oversized,
 * malformed and abusive inputs: each must get a 4xx with a message, never a 500. The procedure
 * list comes from the router, so a procedure added without bounds on its input fails here.
 */

const TOKEN = "wharf_input_audit_token_0123456789abcdef";
let db: TestDatabase;
let services: Services;
let served: ServedHandler;
let api: string;
const internalErrors: unknown[][] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  services = await createServices({ databaseUrl: db.url, poolSize: 4 });
  served = await serveFetch(createTRPCHandler({ services: async () => services, accessToken: () => TOKEN }));
  api = `${served.origin}/api/trpc`;
  // The handler logs every INTERNAL_SERVER_ERROR: none may happen.
  const original = console.error;
  vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => {
    internalErrors.push(args);
    original(...args);
  });
});
afterAll(async () => {
  vi.restoreAllMocks();
  await served?.close();
  await services?.close();
  await db?.drop();
});

type Procedure = { path: string; type: "query" | "mutation" | "subscription"; input: z.ZodType | undefined };

function procedures(): Procedure[] {
  return Object.entries(appRouter._def.procedures).map(([path, procedure]) => {
    const def = (procedure as unknown as { _def: { type: Procedure["type"]; inputs: z.ZodType[] } })._def;
    return { path, type: def.type, input: def.inputs[0] };
  });
}

// --- Walking zod 4 schemas ---------------------------------------------------------------

type Def = { type: string; shape?: Record<string, z.ZodType>; innerType?: z.ZodType; in?: z.ZodType; element?: z.ZodType; valueType?: z.ZodType };
const defOf = (schema: z.ZodType) => (schema as unknown as { _zod: { def: Def } })._zod.def;

function unwrap(schema: z.ZodType): z.ZodType {
  const def = defOf(schema);
  if ((def.type === "optional" || def.type === "default" || def.type === "nullable" || def.type === "prefault") && def.innerType) return unwrap(def.innerType);
  if (def.type === "pipe" && def.in) return unwrap(def.in);
  return schema;
}

const candidates: unknown[] = ["00000000-0000-4000-8000-000000000000", "x", "acp", "/tmp/wharf-input-audit-no-repo", 1, 0, 80, true, [], {}];

/** Inputs whose fields depend on each other, where required fields alone are not a valid call. */
const knownSamples: Record<string, unknown> = {
  "agent.upsert": { id: "x", name: "x", transport: "acp", command: "x" },
  "agent.detect": { all: true },
  "board.finished": { states: ["failed"] },
  // A path or a clone URL (one of them is required).
  "project.create": { path: "/srv/repo" },
  "task.createAttempts": { projectId: "00000000-0000-4000-8000-000000000000", prompt: "x", attempts: [{ agentId: "x" }, { agentId: "x" }] },
};

/** A value the procedure accepts: a known sample, or its required fields, each the first candidate that passes. */
function sampleFor(p: { path: string; input?: z.ZodType | undefined }): unknown {
  if (p.path in knownSamples) return knownSamples[p.path];
  return p.input ? sample(p.input) : {};
}

/** A value the schema accepts: required fields only, each the first candidate that passes. */
function sample(schema: z.ZodType): unknown {
  const def = defOf(schema);
  if (def.type === "optional" || def.type === "default" || def.type === "prefault" || def.type === "void" || def.type === "undefined") return undefined;
  const inner = unwrap(schema);
  const innerDef = defOf(inner);
  if (innerDef.type === "object" && innerDef.shape) {
    const out: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(innerDef.shape)) {
      const value = sample(field);
      if (value !== undefined) out[key] = value;
    }
    return out;
  }
  const found = candidates.find((c) => inner.safeParse(c).success);
  if (found === undefined) throw new Error(`No sample value for a ${innerDef.type} schema (${JSON.stringify(inner.safeParse("x").error?.issues)}): add a candidate.`);
  return found;
}

type Leaf = { path: string[]; kind: string };

/** Every field of an input, optional ones included, with the kind of value it takes. */
function leaves(schema: z.ZodType, at: string[] = []): Leaf[] {
  const inner = unwrap(schema);
  const def = defOf(inner);
  if (def.type === "object" && def.shape) return Object.entries(def.shape).flatMap(([key, field]) => leaves(field, [...at, key]));
  return [{ path: at, kind: def.type }];
}

function setAt(base: unknown, path: string[], value: unknown): unknown {
  if (path.length === 0) return value;
  const copy = { ...(base as Record<string, unknown>) };
  const [head, ...rest] = path as [string, ...string[]];
  copy[head] = setAt(copy[head] ?? {}, rest, value);
  return copy;
}

const MB = 1024 * 1024;
/** Too big for any field: every field must bound its size. */
const oversized: Record<string, () => unknown> = {
  string: () => "x".repeat(MB),
  array: () => Array.from({ length: 200_000 }, () => "x"),
  record: () => Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`V${i}`, "x"])),
  number: () => 1e300,
};

// --- Raw HTTP ------------------------------------------------------------------------------

type Answer = { status: number; text: string };

async function send(method: string, path: string, init: { query?: string; body?: BodyInit; contentType?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  const response = await fetch(`${api}/${path}${init.query ?? ""}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(init.contentType ? { "content-type": init.contentType } : {}), ...init.headers },
    ...(init.body !== undefined ? { body: init.body, duplex: "half" } : {}),
    signal: AbortSignal.timeout(20_000),
  });
  // Subscriptions answer 200 with a stream: after `connected`, a refused input is an error
  // event. A valid input may stay quiet (no events yet): read for a moment, then leave.
  if (response.headers.get("content-type")?.includes("text/event-stream")) {
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    const quiet = setTimeout(() => void reader.cancel(), 1500);
    try {
      while (!/event: (serialized-error|return)/.test(text)) {
        const { done, value } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
      }
    } finally {
      clearTimeout(quiet);
      await reader.cancel();
    }
    return { status: response.status, text };
  }
  return { status: response.status, text: await response.text() };
}

/** Sends `json` (superjson's envelope) as the procedure's input, the way its type requires. */
function call(p: Procedure, envelope: string): Promise<Answer> {
  if (p.type === "mutation") return send("POST", p.path, { body: envelope, contentType: "application/json" });
  return send("GET", p.path, { query: `?input=${encodeURIComponent(envelope)}` });
}

const envelope = (json: unknown) => JSON.stringify({ json });

/** A refusal: 4xx with a tRPC error that has a message, or an SSE error event. */
function refusedProperly(answer: Answer): string | true {
  if (answer.status >= 500) return `status ${answer.status}: ${answer.text.slice(0, 300)}`;
  if (answer.text.includes("INTERNAL_SERVER_ERROR")) return `internal error in ${answer.text.slice(0, 300)}`;
  return true;
}

describe("input audit over HTTP", () => {
  it("every input is an object schema, or none, and every field of it is bounded", () => {
    const unbounded: string[] = [];
    const list = procedures();
    expect(list.length).toBeGreaterThan(15);
    for (const p of list) {
      if (!p.input) {
        if (p.type !== "query") unbounded.push(`${p.path}: a ${p.type} without an input schema takes anything; give it one (z.void() for none)`);
        continue;
      }
      const base = sampleFor(p);
      expect(p.input.safeParse(base).success, `${p.path} sample ${JSON.stringify(base)}`).toBe(true);
      for (const leaf of leaves(p.input)) {
        const make = oversized[leaf.kind];
        if (!make) continue;
        if (p.input.safeParse(setAt(base, leaf.path, make())).success) unbounded.push(`${p.path}.${leaf.path.join(".")} accepts a huge ${leaf.kind}`);
      }
    }
    expect(unbounded).toEqual([]);
  });

  it("refuses oversized, wrong-typed and deeply nested inputs to every procedure with a 4xx", { timeout: 300_000 }, async () => {
    const bad: string[] = [];
    const deepArray = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
    const deepObject = `${'{"a":'.repeat(50_000)}1${"}".repeat(50_000)}`;
    for (const p of procedures()) {
      const base = sampleFor(p);
      const attempts: [string, string][] = [
        ["number", envelope(42)],
        ["string", envelope("x")],
        ["array", envelope([1, 2, 3])],
        ["null", envelope(null)],
        ["boolean", envelope(true)],
        ["wrong field types", envelope(Object.fromEntries(Object.keys((base as object) ?? {}).map((k) => [k, { $ne: 1 }])))],
        ["prototype keys", `{"json":{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}}}`],
        ["deep array", `{"json":${deepArray}}`],
        ["deep object", `{"json":${deepObject}}`],
        ["superjson bigint of garbage", JSON.stringify({ json: "not a number", meta: { values: ["bigint"] } })],
        ["superjson Date of garbage", JSON.stringify({ json: { id: "x" }, meta: { values: { id: ["Date"] } } })],
        ["superjson unknown type", JSON.stringify({ json: { id: "x" }, meta: { values: { id: [["custom", "nope"]] } } })],
        ["superjson meta garbage", JSON.stringify({ json: base, meta: { values: "garbage", referentialEqualities: 42 } })],
        ["superjson proto path", JSON.stringify({ json: base, meta: { values: { "__proto__.polluted": ["set"] } } })],
        ["superjson referential cycle", JSON.stringify({ json: { a: {}, b: {} }, meta: { referentialEqualities: { a: ["b", "b.a", "a.b"] } } })],
      ];
      if (p.type === "mutation") attempts.push(["huge body", envelope("x".repeat(20 * MB))], ["huge array", envelope(Array.from({ length: 2_000_000 }, () => 0))]);
      if (p.input) {
        for (const leaf of leaves(p.input)) {
          const make = oversized[leaf.kind];
          // A query's input rides in the URL: keep it within what a server accepts there.
          const value = p.type === "mutation" || !make ? make?.() : leaf.kind === "string" ? "x".repeat(6000) : undefined;
          if (value !== undefined) attempts.push([`oversized ${leaf.path.join(".")}`, envelope(setAt(base, leaf.path, value))]);
        }
      }
      // Inputs no object schema accepts: these must be refused outright, not just "not a 500".
      const neverValid = /^(number|string|array|boolean|deep array|huge array|huge body|oversized .*)$/;
      const takesObject = p.input !== undefined && defOf(unwrap(p.input)).type === "object";
      for (const [what, body] of attempts) {
        const answer = await call(p, body).catch((error: unknown) => ({ status: 0, text: String(error) }));
        let ok = answer.status === 0 ? `no answer: ${answer.text}` : refusedProperly(answer);
        const refused = (answer.status >= 400 && answer.status < 500) || answer.text.includes("event: serialized-error");
        if (ok === true && takesObject && neverValid.test(what) && !refused) ok = `accepted: ${answer.status} ${answer.text.slice(0, 200)}`;
        if (ok !== true) bad.push(`${p.path} ${what}: ${ok}`);
      }
      expect(await call(p, envelope(base)).then(refusedProperly), `${p.path} still answers`).toBe(true);
    }
    expect(bad).toEqual([]);
    expect(internalErrors).toEqual([]);
  });

  it("refuses malformed bodies, bad encodings, wrong methods and content types with a 4xx", { timeout: 120_000 }, async () => {
    const bad: string[] = [];
    const invalid = new Uint8Array([0x7b, 0x22, 0x6a, 0x73, 0x6f, 0x6e, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc3, 0x28, 0x80, 0x22, 0x7d]); // {"json":"<invalid UTF-8>"}
    for (const p of procedures()) {
      const attempts: [string, () => Promise<Answer>][] =
        p.type === "mutation"
          ? [
              ["invalid JSON", () => send("POST", p.path, { body: '{"json": ', contentType: "application/json" })],
              ["empty body", () => send("POST", p.path, { body: "", contentType: "application/json" })],
              ["NUL bytes", () => send("POST", p.path, { body: "\0\0\0", contentType: "application/json" })],
              ["BOM and junk", () => send("POST", p.path, { body: "\ufeff{json}", contentType: "application/json" })],
              ["non-UTF-8 bytes", () => send("POST", p.path, { body: invalid, contentType: "application/json" })],
              ["text/plain", () => send("POST", p.path, { body: "hello", contentType: "text/plain" })],
              ["form data", () => send("POST", p.path, { body: "a=1&b=2", contentType: "application/x-www-form-urlencoded" })],
              ["multipart garbage", () => send("POST", p.path, { body: "--x\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n--x--", contentType: "multipart/form-data; boundary=x" })],
              ["octet-stream", () => send("POST", p.path, { body: invalid, contentType: "application/octet-stream" })],
              ["GET on a mutation", () => send("GET", p.path, { query: `?input=${encodeURIComponent(envelope({}))}` })],
              ["PUT", () => send("PUT", p.path, { body: "{}", contentType: "application/json" })],
              ["DELETE", () => send("DELETE", p.path)],
            ]
          : [
              ["invalid JSON", () => send("GET", p.path, { query: "?input=%7B%22json%22%3A" })],
              ["bad percent-encoding", () => send("GET", p.path, { query: "?input=%E0%A4%A" })],
              ["non-UTF-8 percent bytes", () => send("GET", p.path, { query: "?input=%7B%22json%22%3A%22%FF%FE%22%7D" })],
              ["two inputs", () => send("GET", p.path, { query: `?input=1&input=${encodeURIComponent(envelope({}))}` })],
              ["POST on a query", () => send("POST", p.path, { body: envelope({}), contentType: "application/json" })],
              ["long URL", () => send("GET", p.path, { query: `?input=${"x".repeat(30_000)}` })],
            ];
      for (const [what, run] of attempts) {
        const answer = await run().catch((error: unknown) => ({ status: 0, text: String(error) }));
        // Never a 5xx; and where the procedure takes input, a body it cannot read is a 4xx
        // (a procedure without input ignores it, and the first of two inputs is the one read).
        const lenient = !p.input || what === "two inputs";
        const fine = answer.status >= 400 && answer.status < 500 ? true : lenient && answer.status < 500 ? refusedProperly(answer) : `status ${answer.status}: ${answer.text.slice(0, 200)}`;
        const ok = answer.status === 0 ? `no answer: ${answer.text}` : fine;
        if (ok !== true && !(p.type === "subscription" && refusedProperly(answer) === true && answer.text.includes("error"))) bad.push(`${p.path} ${what}: ${ok}`);
      }
    }
    expect(bad).toEqual([]);
    expect(internalErrors).toEqual([]);
  });

  it("limits batches and request bodies", { timeout: 60_000 }, async () => {
    const many = Array.from({ length: 1000 }, () => "health.check").join(",");
    const batch = await send("GET", many, { query: `?batch=1&input=${encodeURIComponent("{}")}` });
    expect(batch.status).toBe(400);
    expect(batch.text).toContain("Batch call exceeds");
    const within = Array.from({ length: MAX_BATCH }, () => "health.check").join(",");
    expect((await send("GET", within, { query: `?batch=1&input=${encodeURIComponent("{}")}` })).status).toBe(200);

    const attempts: [string, () => Promise<Answer>][] = [
      ["batch input not an object", () => send("GET", "task.get,task.get", { query: `?batch=1&input=${encodeURIComponent("[1,2]")}` })],
      ["batch input with odd keys", () => send("GET", "task.get,task.get", { query: `?batch=1&input=${encodeURIComponent('{"-1":1,"a":2,"99999999999":3}')}` })],
      ["batch of unknown procedures", () => send("GET", "nope.nope,also.not", { query: "?batch=1&input=%7B%7D" })],
      ["batch mixing queries and mutations", () => send("POST", "health.check,task.cancel", { query: "?batch=1", body: "{}", contentType: "application/json" })],
      ["batched subscription", () => send("GET", "board.changes,board.changes", { query: "?batch=1&input=%7B%7D" })],
      ["batch=garbage", () => send("GET", "task.get", { query: "?batch=yes&input=%7B%7D" })],
      ["an unknown procedure", () => send("GET", "nope.nope")],
      ["a 10 000-character path", () => send("GET", "x".repeat(10_000))],
      ["a path with traversal", () => send("GET", "..%2F..%2Fetc%2Fpasswd")],
      ["a body larger than the limit", () => send("POST", "task.create", { body: envelope("x".repeat(MAX_BODY_BYTES + 10)), contentType: "application/json" })],
      ["a streamed body larger than the limit", () => send("POST", "task.create", { body: chunked(MAX_BODY_BYTES + 10), contentType: "application/json" })],
    ];
    const bad: string[] = [];
    for (const [what, run] of attempts) {
      const answer = await run().catch((error: unknown) => ({ status: 0, text: String(error) }));
      if (answer.status < 400 || answer.status >= 500) bad.push(`${what}: status ${answer.status}: ${answer.text.slice(0, 200)}`);
    }
    expect(bad).toEqual([]);
    expect(internalErrors).toEqual([]);
  });
});

/** A request body that arrives in chunks, with no Content-Length. */
function chunked(bytes: number): ReadableStream<Uint8Array> {
  let sent = 0;
  const chunk = new TextEncoder().encode("x".repeat(64 * 1024));
  return new ReadableStream({
    pull(controller) {
      if (sent >= bytes) return controller.close();
      controller.enqueue(chunk);
      sent += chunk.length;
    },
  });
}
