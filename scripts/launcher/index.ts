export { serverNodeFlags, startRunnerHost, startStack, StackError, StartAbortedError, type RunnerHost, type RunnerHostOptions, type Stack, type StackOptions } from "./stack";
export { Supervisor, ProcessKeepsExitingError, type RestartPolicy, type SupervisorOptions } from "./supervisor";
export { assertPortFree, findFreePort, PortUnavailableError } from "./port";
export { waitForHealth, HealthCheckError } from "./health";
export { parseLauncherEnv, parseRole, LauncherEnvError, type LauncherEnv, type LauncherRole } from "./env";
export { findAgentsOf, reapAgentsOf, startTimeOf, type ProcessIdentity } from "./agents";
