import { agentRouter } from "./router/agent";
import { authRouter } from "./router/auth";
import { boardRouter } from "./router/board";
import { changeRouter } from "./router/change";
import { healthRouter } from "./router/health";
import { permissionRouter } from "./router/permission";
import { projectRouter } from "./router/project";
import { taskRouter } from "./router/task";
import { createTRPCRouter } from "./trpc";

export const appRouter = createTRPCRouter({
  health: healthRouter,
  auth: authRouter,
  project: projectRouter,
  agent: agentRouter,
  task: taskRouter,
  permission: permissionRouter,
  change: changeRouter,
  board: boardRouter,
});

export type AppRouter = typeof appRouter;
