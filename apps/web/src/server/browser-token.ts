import { readAccessToken } from "@wharf/api";
import { connection } from "next/server";
import { env } from "~/env";

/**
 * The access token handed to the browser by the root layout (a server component), until cookie
 * sessions replace it. Wharf listens on 127.0.0.1 only; whoever can load the page may use the API.
 */
export async function browserToken(): Promise<string> {
  // Read at request time, never while prerendering: the token must not end up in built pages.
  await connection();
  return readAccessToken(env().home);
}
