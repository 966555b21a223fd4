import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseWebEnv, WebEnvError } from "./env";

describe("parseWebEnv", () => {
  it("names DATABASE_URL when it is missing", () => {
    expect(() => parseWebEnv({ NODE_ENV: "test", WHARF_HOME: "/tmp/wharf" })).toThrowError(WebEnvError);
    expect(() => parseWebEnv({ NODE_ENV: "test", WHARF_HOME: "/tmp/wharf" })).toThrowError(/DATABASE_URL is not set/);
  });

  it("rejects a DATABASE_URL that is not a PostgreSQL URL", () => {
    expect(() => parseWebEnv({ NODE_ENV: "test", DATABASE_URL: "mysql://localhost/x" })).toThrowError(/DATABASE_URL must be a postgres/);
  });

  it("uses WHARF_HOME as the data directory", () => {
    const result = parseWebEnv({ NODE_ENV: "test", DATABASE_URL: "postgres://localhost:5432/wharf", WHARF_HOME: "/srv/wharf" });
    expect(result).toEqual({ databaseUrl: "postgres://localhost:5432/wharf", home: path.resolve("/srv/wharf") });
  });
});
