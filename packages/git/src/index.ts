export { GitError, gitErrorCodes, isGitError, type GitErrorCode, type GitErrorFields } from "./git-error";
export { stderrLogger, silentLogger } from "./logger";
export { createKeyedMutex, type KeyedMutex } from "./keyed-mutex";
export { type Identity, wharfIdentity } from "./run-git";
export { inspectRepo, type RepoInfo } from "./inspect-repo";
export {
  checkoutTaskBranch,
  createWorktree,
  deleteTaskBranch,
  discardChange,
  releaseTaskBranch,
  removeWorktree,
  taskBranch,
  type CreateWorktreeInput,
  type RemoveWorktreeInput,
  type TaskWorktree,
} from "./worktree";
export {
  listWharfBranches,
  listWharfWorktrees,
  listWorktrees,
  wharfBranchPrefix,
  type WharfWorktree,
  type WorktreeEntry,
} from "./list-worktrees";
export { commitAll, type CommitAllInput, type CommitAllResult } from "./commit-all";
export {
  computeChange,
  defaultMaxDiffBytes,
  diffTruncationMarker,
  type Change,
  type ComputeChangeInput,
} from "./compute-change";
export { changeFileSchema, type ChangeFile, type ChangeFileStatus } from "./change-file";
export {
  applyChange,
  squashMessage,
  type ApplyChangeInput,
  type ApplyChangeResult,
  type ApplyFailureReason,
  type RemainingChange,
} from "./apply-change";
export {
  baseStatus,
  containedBase,
  rebaseTaskBranch,
  type BaseStatus,
  type BaseStatusInput,
  type RebaseFailureReason,
  type RebaseTaskBranchInput,
  type RebaseTaskBranchResult,
} from "./rebase";
export { deletedBlob, fileBlobs, readFileAt } from "./files-at";
export { detectRemote, listRemotes, parseRemoteUrl, type ForgeKind, type Remote, type RemoteLocation } from "./remote";
export {
  NoSuchRemoteError,
  PushAuthError,
  PushError,
  PushRejectedError,
  pushBranch,
  RemoteUnreachableError,
  type PushBranchInput,
  type PushBranchResult,
  type PushFailure,
  type PushRejection,
} from "./push";
export { ignoredPaths } from "./ignored-paths";
export { worktreeHasChanges } from "./pinned-worktree";
export {
  branchHead,
  BundleTooLargeError,
  checkCloneUrl,
  createBundle,
  ensureClone,
  fetchBranch,
  importBundle,
  RemoteReadError,
  type RemoteFailure,
  type RemoteHead,
} from "./clone";
