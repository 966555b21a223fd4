export { defaultApiBase, forgeConfigSchema, forgeKindSchema, type ForgeConfig, type ForgeKind } from "./config";
export {
  createPullRequest,
  type CreatePullRequestInput,
  type ForgeRequestOptions,
  type PullRequest,
} from "./client";
export {
  ForgeAuthError,
  ForgeBranchMissingError,
  ForgeError,
  ForgeNotFoundError,
  ForgeUnreachableError,
  isForgeError,
  PullRequestExistsError,
  type ForgeErrorKind,
} from "./errors";
export { buildPullRequestBody, pullRequestTitle, type PullRequestBodyInput, type PullRequestFile } from "./pr-body";
