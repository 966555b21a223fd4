import { editFile, readFile, writeFile } from "./fs-tools.ts";
import { listFiles, runCommand, searchFiles } from "./terminal-tools.ts";
import { startToolCall, text, ToolInputError, type ToolContext, type ToolOutcome } from "./tool-context.ts";
import { isToolName, toolArgs, type ToolArgs, type ToolName } from "./tools.ts";

/** One tool call from the model: parse its arguments, run it, and say what happened in words the model can act on. */
export async function runTool(ctx: ToolContext, name: string, rawArguments: string): Promise<ToolOutcome> {
  const fail = async (why: string): Promise<ToolOutcome> => {
    await startToolCall(ctx, { title: isToolName(name) ? name : `Unknown tool ${name.slice(0, 100)}`, kind: "other", status: "failed", content: [text(why)] });
    return { text: `Error: ${why}` };
  };
  if (!isToolName(name)) return fail(`there is no tool named "${name.slice(0, 100)}"; the tools are ${Object.keys(toolArgs).join(", ")}`);
  let json: unknown;
  try {
    json = rawArguments.trim() === "" ? {} : JSON.parse(rawArguments);
  } catch {
    return fail(`the arguments of ${name} are not valid JSON: ${rawArguments.slice(0, 200)}`);
  }
  const parsed = toolArgs[name].safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "arguments"}: ${i.message}`).join("; ");
    return fail(`invalid arguments for ${name}: ${problems}`);
  }
  try {
    return await dispatch(ctx, name, parsed.data);
  } catch (error) {
    if (error instanceof ToolInputError) return fail(error.message);
    throw error;
  }
}

/** Each tool's handler, taking that tool's own arguments: the compiler checks that every tool has one that fits. */
const handlers: { [N in ToolName]: (ctx: ToolContext, args: ToolArgs<N>) => Promise<ToolOutcome> } = {
  read_file: readFile,
  list_files: listFiles,
  search_files: searchFiles,
  write_file: writeFile,
  edit_file: editFile,
  run_command: runCommand,
};

function dispatch<N extends ToolName>(ctx: ToolContext, name: N, args: ToolArgs<N>): Promise<ToolOutcome> {
  return handlers[name](ctx, args);
}
