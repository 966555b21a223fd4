"use client";

import dynamic from "next/dynamic";

/**
 * The New task dialog (agents' modes and models, slash commands, the prompt editor) as its own
 * chunk, for the board and the task page (a subtask): loaded when it is first opened, or earlier
 * with `usePreloadWhenIdle(loadNewTaskDialog, …)`, so neither page's own scripts carry it.
 */
export const loadNewTaskDialog = () => import("./new-task-dialog");

export const LazyNewTaskDialog = dynamic(() => loadNewTaskDialog().then((m) => m.NewTaskDialog), { ssr: false });
