import { NextResponse, type NextRequest } from "next/server";
import { allowedHosts } from "~/env";
import { isAllowedHost, refuseHost } from "~/server/allowed-hosts";
import { hasSession } from "~/server/session";

/**
 * Refuses every request (pages and API) whose Host is not an allowed name, and sends a browser
 * without a session to the sign-in page. The API checks the token itself on every procedure.
 */
export function proxy(request: NextRequest) {
  const host = request.headers.get("host");
  if (!isAllowedHost(host, allowedHosts())) return refuseHost(host);
  const { pathname, search } = request.nextUrl;
  if (isPage(pathname) && !hasSession(request.headers)) {
    const login = new URL("/login", request.url);
    login.searchParams.set("next", `${pathname}${search}`);
    return NextResponse.redirect(login);
  }
  return NextResponse.next();
}

function isPage(pathname: string): boolean {
  return !(pathname.startsWith("/api/") || pathname.startsWith("/_next/") || pathname === "/login" || pathname === "/favicon.ico" || pathname === "/icon.svg");
}
