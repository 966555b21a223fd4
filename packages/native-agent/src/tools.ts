import { z } from "zod";
import type { ChatTool } from "./chat-stream.ts";

/**
 * The tools the model may call. Arguments come from the model, so each is parsed with its zod
 * schema; the JSON schema the model sees is generated from the same schema.
 */

const path = z.string().trim().min(1).max(4096).describe("Path relative to the repository root (absolute paths must be inside it).");

export const toolArgs = {
  read_file: z.object({
    path,
    offset: z.number().int().min(1).optional().describe("First line to read, 1-based. Default 1."),
    limit: z.number().int().min(1).max(5000).optional().describe("Number of lines to read. Default 2000."),
  }),
  list_files: z.object({
    path: z.string().trim().max(4096).optional().describe("Directory to list, relative to the repository root. Default: the whole repository."),
  }),
  search_files: z.object({
    pattern: z.string().min(1).max(1000).describe("Extended regular expression (as for grep -E)."),
    path: z.string().trim().max(4096).optional().describe("Directory or file to search in. Default: the whole repository."),
    ignore_case: z.boolean().optional(),
  }),
  write_file: z.object({
    path,
    content: z.string().max(1024 * 1024).describe("The file's whole new content."),
  }),
  edit_file: z.object({
    path,
    old_string: z.string().min(1).max(256 * 1024).describe("Exact text to replace, including whitespace; must occur exactly once unless replace_all."),
    new_string: z.string().max(256 * 1024).describe("The replacement text."),
    replace_all: z.boolean().optional().describe("Replace every occurrence instead of exactly one."),
  }),
  run_command: z.object({
    command: z.string().min(1).max(10_000).describe("A shell command (run with /bin/sh -c) in the repository root."),
    timeout_seconds: z.number().int().min(1).max(1800).optional().describe("Stop the command after this long. Default 120."),
  }),
};

export type ToolName = keyof typeof toolArgs;
export type ToolArgs<N extends ToolName> = z.infer<(typeof toolArgs)[N]>;

const descriptions: Record<ToolName, string> = {
  read_file: "Read a text file of the repository. Long files come back in pieces; use offset and limit for the rest.",
  list_files: "List the files of the repository (tracked and untracked, without ignored files), optionally under one directory.",
  search_files: "Search the repository's files for a regular expression; answers file:line:text for each match.",
  write_file: "Create a file or replace its whole content. The user is asked for permission first.",
  edit_file: "Replace exact text in a file. Read the file first; old_string must match it exactly. The user is asked for permission first.",
  run_command: "Run a shell command in the repository root and get its exit code and output. The user is asked for permission first.",
};

export function isToolName(name: string): name is ToolName {
  return Object.hasOwn(toolArgs, name);
}

export const chatTools: ChatTool[] = (Object.keys(toolArgs) as ToolName[]).map((name) => {
  const { $schema: _ignored, ...parameters } = z.toJSONSchema(toolArgs[name]) as Record<string, unknown>;
  return { type: "function", function: { name, description: descriptions[name], parameters } };
});

export function systemPrompt(cwd: string): string {
  return [
    "You are a coding agent working in a git repository on the user's behalf.",
    `The repository root is ${cwd}; every path you use must be inside it, and relative paths are taken from it.`,
    "Use the tools to look at the code before changing it. Prefer edit_file for small changes and write_file for new files.",
    "Writing, editing and running commands ask the user for permission; if a tool answers that the user refused, do not try the same thing another way: say what you wanted to do and stop.",
    "When you are done, say briefly what you changed.",
  ].join("\n");
}
