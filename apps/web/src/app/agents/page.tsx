import { AgentsPage } from "~/components/agents-page";

export default function Agents() {
  return <AgentsPage />;
}
