import { methods } from "@agentclientprotocol/sdk";
import { z } from "zod";
import type { ToolArgs } from "./tools.ts";
import {
  askPermission,
  cancelled,
  clip,
  errorMessage,
  resultLimits,
  sessionPath,
  startToolCall,
  text,
  unlessCancelled,
  updateToolCall,
  type ToolCallStart,
  type ToolContext,
  type ToolOutcome,
} from "./tool-context.ts";

/** read_file, write_file and edit_file, through the client's `fs/*` (which confines them to the worktree). */

const defaultReadLines = 2000;
/** Whole files the agent edits (they travel in the diff shown to the user, twice). */
const maxEditChars = 1024 * 1024;
const readResponseSchema = z.object({ content: z.string() });

async function readText(ctx: ToolContext, abs: string, line?: number, limit?: number): Promise<string | typeof cancelled> {
  if (ctx.capabilities.fs?.readTextFile !== true) throw new Error("the client does not let agents read files (fs.readTextFile)");
  const answer = await unlessCancelled(
    ctx.client.request(methods.client.fs.readTextFile, { sessionId: ctx.sessionId, path: abs, line, limit }),
    ctx.signal,
  );
  if (answer === cancelled) return cancelled;
  const parsed = readResponseSchema.safeParse(answer);
  if (!parsed.success) throw new Error(`the client answered fs/read_text_file with a malformed response: ${parsed.error.message}`);
  return parsed.data.content;
}

export async function readFile(ctx: ToolContext, args: ToolArgs<"read_file">): Promise<ToolOutcome> {
  const { abs, rel } = sessionPath(ctx, args.path);
  const limit = args.limit ?? defaultReadLines;
  await startToolCall(ctx, {
    title: `Read ${rel}`,
    kind: "read",
    status: "in_progress",
    locations: [{ path: abs, ...(args.offset ? { line: args.offset } : {}) }],
    rawInput: args,
  });
  let content: string | typeof cancelled;
  try {
    content = await readText(ctx, abs, args.offset, limit);
  } catch (error) {
    await updateToolCall(ctx, { status: "failed", content: [text(errorMessage(error))] });
    return { text: `Error: could not read ${rel}: ${errorMessage(error)}` };
  }
  if (content === cancelled) return cancelled;
  await updateToolCall(ctx, { status: "completed" });
  if (content === "") return { text: `${rel} is empty, does not exist, or has no lines from ${args.offset ?? 1} on.` };
  const lines = content.split(/(?<=\n)/).length;
  const first = args.offset ?? 1;
  const more = lines >= limit ? `\n[Read lines ${first}-${first + lines - 1}; more may follow: call read_file with offset ${first + lines}.]` : "";
  return { text: clip(content, resultLimits.fileChars, `call read_file with an offset and a smaller limit`) + more };
}

/** The diff, permission and write shared by write_file and edit_file. */
async function writeWithPermission(ctx: ToolContext, target: { abs: string; rel: string }, oldText: string | null, newText: string, title: string): Promise<ToolOutcome> {
  if (ctx.capabilities.fs?.writeTextFile !== true) {
    return { text: "Error: the client does not let agents write files (fs.writeTextFile); nothing was written." };
  }
  const call: ToolCallStart = {
    title,
    kind: "edit",
    status: "pending",
    content: [{ type: "diff", path: target.abs, oldText, newText }],
    locations: [{ path: target.abs }],
    rawInput: { path: target.rel },
  };
  await startToolCall(ctx, call);
  const answer = await askPermission(ctx, call);
  if (answer === cancelled) return cancelled;
  if (answer === "rejected") {
    await updateToolCall(ctx, { status: "failed", content: [text("The user refused this change.")] });
    return { text: `The user refused permission to change ${target.rel}; nothing was written. Do not try to make this change another way.` };
  }
  await updateToolCall(ctx, { status: "in_progress" });
  try {
    const written = await unlessCancelled(
      ctx.client.request(methods.client.fs.writeTextFile, { sessionId: ctx.sessionId, path: target.abs, content: newText }),
      ctx.signal,
    );
    if (written === cancelled) return cancelled;
  } catch (error) {
    await updateToolCall(ctx, { status: "failed", content: [text(errorMessage(error))] });
    return { text: `Error: could not write ${target.rel}: ${errorMessage(error)}` };
  }
  await updateToolCall(ctx, { status: "completed" });
  return { text: `${oldText === null ? "Created" : "Updated"} ${target.rel}.` };
}

/** The whole current text, or null when the file is missing or empty (the client reads both as ""). */
async function currentText(ctx: ToolContext, abs: string): Promise<string | null | typeof cancelled> {
  const content = await readText(ctx, abs);
  return content === "" ? null : content;
}

export async function writeFile(ctx: ToolContext, args: ToolArgs<"write_file">): Promise<ToolOutcome> {
  const target = sessionPath(ctx, args.path);
  let old: string | null | typeof cancelled;
  try {
    old = await currentText(ctx, target.abs);
  } catch (error) {
    return { text: `Error: could not read ${target.rel} before writing it: ${errorMessage(error)}` };
  }
  if (old === cancelled) return cancelled;
  if (old !== null && old.length > maxEditChars) {
    return { text: `Error: ${target.rel} has ${old.length} characters, more than the ${maxEditChars} write_file replaces; nothing was written.` };
  }
  return writeWithPermission(ctx, target, old, args.content, `Write ${target.rel}`);
}

function occurrences(haystack: string, needle: string): number {
  let count = 0;
  for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + needle.length)) count++;
  return count;
}

export async function editFile(ctx: ToolContext, args: ToolArgs<"edit_file">): Promise<ToolOutcome> {
  const target = sessionPath(ctx, args.path);
  const title = `Edit ${target.rel}`;
  const refuse = async (why: string): Promise<ToolOutcome> => {
    await startToolCall(ctx, { title, kind: "edit", status: "failed", content: [text(why)], locations: [{ path: target.abs }] });
    return { text: `Error: ${why}; nothing was changed.` };
  };
  let old: string | null | typeof cancelled;
  try {
    old = await currentText(ctx, target.abs);
  } catch (error) {
    return refuse(`could not read ${target.rel}: ${errorMessage(error)}`);
  }
  if (old === cancelled) return cancelled;
  if (old === null) return refuse(`${target.rel} does not exist or is empty; use write_file to create it`);
  if (old.length > maxEditChars) return refuse(`${target.rel} has ${old.length} characters, more than the ${maxEditChars} edit_file handles`);
  const count = occurrences(old, args.old_string);
  if (count === 0) return refuse(`old_string was not found in ${target.rel}; read the file again and copy the text exactly`);
  if (count > 1 && args.replace_all !== true) {
    return refuse(`old_string occurs ${count} times in ${target.rel}; add surrounding lines to make it unique, or set replace_all`);
  }
  const updated = args.replace_all === true ? old.replaceAll(args.old_string, () => args.new_string) : old.replace(args.old_string, () => args.new_string);
  return writeWithPermission(ctx, target, old, updated, title);
}
