import { z } from "zod";

export const forgeKindSchema = z.enum(["github", "gitlab"]);
export type ForgeKind = z.infer<typeof forgeKindSchema>;

/** Where and as whom Wharf talks to a project's forge. */
export const forgeConfigSchema = z.object({
  kind: forgeKindSchema,
  /**
   * REST API root without a trailing slash: `https://api.github.com`, GitHub Enterprise
   * `https://host/api/v3`, `https://gitlab.com/api/v4` or a self-hosted `https://host/api/v4`.
   */
  apiBase: z.url({ protocol: /^https?$/ }),
  /** The project on the forge: `owner/repo`, or `group/subgroup/repo` on GitLab. */
  project: z.string().regex(/^[^/\s]+(\/[^/\s]+)+$/, "owner/repo (GitLab: group/…/repo)"),
  token: z.string().min(1),
});
export type ForgeConfig = z.infer<typeof forgeConfigSchema>;

/** The usual API root for a forge host (from the project's remote URL). */
export function defaultApiBase(kind: ForgeKind, host: string): string {
  const lower = host.toLowerCase();
  if (kind === "github") return lower === "github.com" ? "https://api.github.com" : `https://${lower}/api/v3`;
  return `https://${lower}/api/v4`;
}

/** What a forge's token must be allowed to do, in words for the error messages. */
export const tokenAdvice: Record<ForgeKind, string> = {
  github:
    "a GitHub token with the `repo` scope (classic) or, fine-grained, \"Pull requests: read and write\" and \"Contents: read and write\" on this repository",
  gitlab: "a GitLab personal, group or project access token with the `api` scope and at least the Developer role",
};

export const forgeNames: Record<ForgeKind, string> = { github: "GitHub", gitlab: "GitLab" };
