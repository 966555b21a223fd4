import { describe, expect, it } from "vitest";
import { moveOf, nextCard } from "./board-keys";

describe("nextCard", () => {
  const grid = [3, 0, 1, 5];
  it("starts at the first card of the first column that has one", () => {
    expect(nextCard(grid, null, "down")).toEqual({ column: 0, row: 0 });
    expect(nextCard([0, 0, 2], null, "right")).toEqual({ column: 2, row: 0 });
    expect(nextCard([0, 0], null, "down")).toBeNull();
  });
  it("moves within a column and stops at its ends", () => {
    expect(nextCard(grid, { column: 0, row: 0 }, "down")).toEqual({ column: 0, row: 1 });
    expect(nextCard(grid, { column: 0, row: 2 }, "down")).toBeNull();
    expect(nextCard(grid, { column: 0, row: 0 }, "up")).toBeNull();
    expect(nextCard(grid, { column: 3, row: 4 }, "up")).toEqual({ column: 3, row: 3 });
  });
  it("moves between columns, skipping empty ones and keeping the row where it can", () => {
    expect(nextCard(grid, { column: 0, row: 2 }, "right")).toEqual({ column: 2, row: 0 });
    expect(nextCard(grid, { column: 2, row: 0 }, "right")).toEqual({ column: 3, row: 0 });
    expect(nextCard(grid, { column: 3, row: 4 }, "left")).toEqual({ column: 2, row: 0 });
    expect(nextCard(grid, { column: 0, row: 1 }, "left")).toBeNull();
    expect(nextCard(grid, { column: 3, row: 1 }, "right")).toBeNull();
  });
});

it("maps vim keys and arrows, and nothing else", () => {
  expect(["j", "ArrowDown", "k", "ArrowUp", "h", "ArrowLeft", "l", "ArrowRight"].map(moveOf)).toEqual(["down", "down", "up", "up", "left", "left", "right", "right"]);
  expect(moveOf("x")).toBeNull();
});
