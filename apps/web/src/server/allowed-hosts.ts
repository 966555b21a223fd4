/**
 * DNS rebinding defence: a page on another site that resolves its own name to 127.0.0.1 reaches
 * Wharf with that foreign name in `Host`. Only loopback names (and names listed in
 * WHARF_ALLOWED_HOSTS) are served.
 */
const loopbackNames = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

/** The host name of a `Host` header value, lower-cased, without the port. */
export function hostName(header: string): string {
  const value = header.trim().toLowerCase();
  if (value.startsWith("[")) return value.slice(0, value.indexOf("]") + 1);
  const colon = value.lastIndexOf(":");
  return colon > 0 && value.indexOf(":") === colon ? value.slice(0, colon) : value;
}

/** Parses WHARF_ALLOWED_HOSTS ("wharf.lan, 10.0.0.5") into host names. */
export function parseAllowedHosts(list: string | undefined): string[] {
  return (list ?? "")
    .split(",")
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
}

export function isAllowedHost(header: string | null, extra: readonly string[]): boolean {
  if (!header) return false;
  const name = hostName(header);
  return loopbackNames.has(name) || extra.includes(name);
}

export function refuseHost(header: string | null): Response {
  return new Response(
    `Wharf does not answer for host "${header ?? ""}". Open it as http://127.0.0.1:<port> or http://localhost:<port>, ` +
      `or list the name in WHARF_ALLOWED_HOSTS if you serve Wharf under another name.\n`,
    { status: 421, headers: { "content-type": "text/plain; charset=utf-8" } },
  );
}
