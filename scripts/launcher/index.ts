export { serverNodeFlags, startStack, StackError, StartAbortedError, type Stack, type StackOptions } from "./stack";
export { Supervisor, ProcessKeepsExitingError, type RestartPolicy, type SupervisorOptions } from "./supervisor";
export { assertPortFree, findFreePort, PortUnavailableError } from "./port";
export { waitForHealth, HealthCheckError } from "./health";
export { parseLauncherEnv, LauncherEnvError, type LauncherEnv } from "./env";
export { findAgentsOf, reapAgentsOf, startTimeOf, type ProcessIdentity } from "./agents";
