import { LoginRateLimiter, readAccessToken, readCookie, SESSION_COOKIE, sameOrigin, tokenMatches } from "@wharf/api";
import { env } from "~/env";

// One window for every caller: request headers that name a client address can be forged, and
// Wharf has one owner, so 10 attempts a minute in all is plenty for them and slow for a guesser.
const limiter = new LoginRateLimiter(10, 60_000);

/** True when the request carries the session cookie with the current token. */
export function hasSession(headers: Headers): boolean {
  return tokenMatches(readCookie(headers, SESSION_COOKIE), readAccessToken(env().home));
}

function sessionCookie(value: string, maxAgeSeconds: number): string {
  return `${SESSION_COOKIE}=${encodeURIComponent(value)}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}`;
}

/**
 * POST /api/auth/login with `{token}` (JSON or form): sets the httpOnly, SameSite=Strict session
 * cookie. Same-origin only, at most 10 attempts a minute.
 */
export async function login(req: Request): Promise<Response> {
  if (!sameOrigin(req.headers)) return Response.json({ error: "Sign in from Wharf's own page." }, { status: 403 });
  const wait = limiter.hit("login");
  if (wait > 0) {
    return Response.json({ error: `Too many sign-in attempts. Try again in ${wait} s.` }, { status: 429, headers: { "retry-after": String(wait) } });
  }
  let token: string;
  const type = req.headers.get("content-type") ?? "";
  try {
    if (type.includes("application/json")) {
      const body: unknown = await req.json();
      token = typeof body === "object" && body !== null && "token" in body && typeof body.token === "string" ? body.token : "";
    } else {
      const value = (await req.formData()).get("token");
      token = typeof value === "string" ? value : "";
    }
  } catch {
    return Response.json({ error: "Send the access token as JSON {\"token\": \"…\"} or a form field named token." }, { status: 400 });
  }
  token = token.trim().slice(0, 200);
  if (!tokenMatches(token, readAccessToken(env().home))) {
    return Response.json({ error: "That is not Wharf's access token. It is printed by ./wharf start and stored in WHARF_HOME/token." }, { status: 401 });
  }
  return Response.json({ ok: true }, { headers: { "set-cookie": sessionCookie(token, 30 * 24 * 3600) } });
}

export function logout(): Response {
  return Response.json({ ok: true }, { headers: { "set-cookie": sessionCookie("", 0) } });
}
