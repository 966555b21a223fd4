import { RunnersPage } from "~/components/runners-page";

export default function Runners() {
  return <RunnersPage />;
}
