import { NextResponse, type NextRequest } from "next/server";
import { allowedHosts } from "~/env";
import { isAllowedHost, refuseHost } from "~/server/allowed-hosts";

/** Refuses every request (pages and API) whose Host is not an allowed name. */
export function proxy(request: NextRequest) {
  const host = request.headers.get("host");
  if (!isAllowedHost(host, allowedHosts())) return refuseHost(host);
  return NextResponse.next();
}
