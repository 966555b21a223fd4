/*
 * Talking to a remote without a person at the keyboard: no terminal prompt, no credential-manager
 * dialog, ssh in batch mode with a connection timeout; and what git's stderr says when the
 * credentials were refused or the remote could not be reached. Push and clone/fetch share it.
 */

/** Variables that make git fail at once instead of asking for a user name, password or passphrase. */
export const noPromptEnv: Readonly<Record<string, string>> = { GIT_TERMINAL_PROMPT: "0", GCM_INTERACTIVE: "never" };

/** ssh without prompts (unless a repository sets its own `core.sshCommand`). */
export const batchSsh = ["-c", "core.sshCommand=ssh -o BatchMode=yes -o ConnectTimeout=20"];

/** Never run a command named by a URL (`ext::`), whatever the user's configuration allows. */
export const safeProtocols = ["-c", "protocol.ext.allow=never"];

export const authPatterns = [
  /Authentication failed/i,
  /could not read (Username|Password)/i,
  /terminal prompts disabled/i,
  /Permission denied \((publickey|password|keyboard-interactive)/i,
  /Host key verification failed/i,
  /returned error: 40[13]/i,
  /HTTP Basic: Access denied/i,
  /Invalid username or (password|token)/i,
  /Permission to .* denied/i,
  /You are not allowed to push/i,
];

export const unreachablePatterns = [
  /does not appear to be a git repository/i,
  /Could not resolve host/i,
  /Could not resolve hostname/i,
  /Failed to connect/i,
  /Couldn't connect to server/i,
  /Connection refused/i,
  /Connection timed out/i,
  /Operation timed out/i,
  /Network is unreachable/i,
  /No route to host/i,
  /returned error: 404/i,
  /repository '.*' not found/i,
  /repository '.*' does not exist/i,
];
