import { agentRouter } from "./router/agent";
import { authRouter } from "./router/auth";
import { boardRouter } from "./router/board";
import { changeRouter } from "./router/change";
import { commentRouter } from "./router/comment";
import { healthRouter } from "./router/health";
import { mcpRouter } from "./router/mcp";
import { permissionRouter } from "./router/permission";
import { projectRouter } from "./router/project";
import { reviewRouter } from "./router/review";
import { runnerRouter } from "./router/runner";
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
  comment: commentRouter,
  review: reviewRouter,
  board: boardRouter,
  runner: runnerRouter,
  mcp: mcpRouter,
});

export type AppRouter = typeof appRouter;
