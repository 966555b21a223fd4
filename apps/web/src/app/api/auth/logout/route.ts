import { logout } from "~/server/session";

export const dynamic = "force-dynamic";

export function POST() {
  return logout();
}
