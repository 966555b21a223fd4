import { describe, expect, it } from "vitest";
import { hostName, isAllowedHost, parseAllowedHosts } from "./allowed-hosts";

describe("allowed hosts", () => {
  it("serves loopback names on any port", () => {
    for (const host of ["127.0.0.1:7777", "localhost:7777", "LOCALHOST", "[::1]:7777", "127.0.0.1"]) expect(isAllowedHost(host, []), host).toBe(true);
  });

  it("refuses foreign and missing names, including look-alikes", () => {
    for (const host of [null, "", "evil.example", "evil.example:7777", "127.0.0.1.evil.example", "localhost.evil.example:7777", "127.0.0.2:7777", "[::2]:7777"]) {
      expect(isAllowedHost(host, []), String(host)).toBe(false);
    }
  });

  it("serves names listed in WHARF_ALLOWED_HOSTS", () => {
    const extra = parseAllowedHosts(" wharf.lan , 10.0.0.5 ,");
    expect(extra).toEqual(["wharf.lan", "10.0.0.5"]);
    expect(isAllowedHost("wharf.lan:7777", extra)).toBe(true);
    expect(isAllowedHost("10.0.0.5", extra)).toBe(true);
    expect(isAllowedHost("other.lan", extra)).toBe(false);
    expect(hostName("[::1]:80")).toBe("[::1]");
  });
});
