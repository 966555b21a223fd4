import { ProjectsPage } from "~/components/projects-page";

export default function Projects() {
  return <ProjectsPage />;
}
