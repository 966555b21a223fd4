import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";

/** The web server did not answer `health.check` as expected. */
export class HealthCheckError extends Error {
  constructor(
    message: string,
    readonly url: string,
  ) {
    super(message);
    this.name = "HealthCheckError";
  }
}

// tRPC with superjson answers a query as { result: { data: { json: <value> } } }.
const healthResponse = z.object({
  result: z.object({ data: z.object({ json: z.object({ ok: z.literal(true) }) }) }),
});

type Attempt = { done: true } | { done: false; reason: string };

async function checkOnce(url: string, token: string, signal: AbortSignal): Promise<Attempt> {
  let response: Response;
  try {
    response = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal });
  } catch (error) {
    if (signal.aborted) throw error;
    const { cause, message } = error as Error;
    return { done: false, reason: `not answering (${cause instanceof Error ? cause.message : message})` };
  }
  const text = await response.text();
  if (response.status === 401) {
    throw new HealthCheckError(`The web server rejects the access token (401) at ${url}.`, url);
  }
  if (!response.ok) return { done: false, reason: `HTTP ${response.status}: ${text.slice(0, 300)}` };
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { done: false, reason: `not JSON: ${text.slice(0, 200)}` };
  }
  const parsed = healthResponse.safeParse(body);
  if (!parsed.success) throw new HealthCheckError(`Unexpected health.check answer from ${url}: ${text.slice(0, 300)}`, url);
  return { done: true };
}

/**
 * Waits until the web server answers `GET /api/trpc/health.check` with the bearer token, retrying
 * with a short backoff while it starts. Rejects after `timeoutMs` or when `signal` aborts.
 */
export async function waitForHealth(opts: { baseUrl: string; token: string; timeoutMs: number; signal?: AbortSignal }): Promise<void> {
  const url = new URL("/api/trpc/health.check", opts.baseUrl).toString();
  const signal = opts.signal ? AbortSignal.any([opts.signal, AbortSignal.timeout(opts.timeoutMs)]) : AbortSignal.timeout(opts.timeoutMs);
  let delay = 100;
  let last = "no answer yet";
  try {
    for (;;) {
      const attempt = await checkOnce(url, opts.token, signal);
      if (attempt.done) return;
      last = attempt.reason;
      await sleep(delay, undefined, { signal });
      delay = Math.min(delay * 2, 1000);
    }
  } catch (error) {
    if (error instanceof HealthCheckError || opts.signal?.aborted) throw error;
    if (signal.aborted) {
      throw new HealthCheckError(`The web server did not become healthy within ${opts.timeoutMs / 1000} s at ${url}: ${last}.`, url);
    }
    throw error;
  }
}
