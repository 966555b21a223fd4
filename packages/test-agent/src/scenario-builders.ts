/**
 * Scenarios that several test suites share (runner, client, CLI, end-to-end), built here so they
 * stay one scenario. Pass the result to `scenarioPrompt`.
 */

/**
 * The agent says what it does, plans, reads `src/app.txt`, asks to write `file` with a diff, and
 * writes it only when allowed ("Done: wrote the file.") or says it wrote nothing when refused.
 * `markdown` puts bold text and a code block in its messages, for renderers to show.
 */
export function editWithPermission(file: string, content: string, opts: { markdown?: boolean } = {}) {
  const plan = (read: string, write: string) => ({
    type: "plan",
    entries: [
      { content: "Read the app", status: read },
      { content: "Write the greeting", status: write },
    ],
  });
  return {
    steps: [
      { type: "text", text: opts.markdown ? "Let me look at the **project** first." : "Let me look at the project first.", chunks: 3 },
      plan("in_progress", "pending"),
      { type: "tool_call", id: "read-1", title: "Read src/app.txt", kind: "read", status: "in_progress", locations: [{ path: "src/app.txt" }] },
      { type: "read_file", path: "src/app.txt" },
      { type: "tool_call_update", id: "read-1", status: "completed" },
      plan("completed", "in_progress"),
      {
        type: "permission",
        toolCallId: "edit-1",
        title: `Write ${file}`,
        kind: "edit",
        content: [{ type: "diff", path: file, oldText: null, newText: content }],
        locations: [{ path: file }],
        onAllow: [
          { type: "write_file", path: file, content },
          { type: "tool_call_update", id: "edit-1", status: "completed" },
          plan("completed", "completed"),
          { type: "text", text: opts.markdown ? 'Done: wrote the file.\n\n~~~ts\nconst greeting = "hello";\n~~~' : "Done: wrote the file." },
        ],
        onReject: [
          { type: "tool_call_update", id: "edit-1", status: "failed" },
          { type: "text", text: "Understood, I was told no and wrote nothing." },
        ],
      },
    ],
  };
}
