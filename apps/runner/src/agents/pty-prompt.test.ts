import { describe, expect, it } from "vitest";
import { plainText, ptyInvocation } from "./pty-prompt";

describe("ptyInvocation", () => {
  it("appends the prompt as the last argument by default", () => {
    expect(ptyInvocation(["--yes"], "fix it")).toEqual({ args: ["--yes", "fix it"], typed: null });
  });

  it("puts the prompt in place of every {prompt}", () => {
    expect(ptyInvocation(["-p", "{prompt}", "--note=task: {prompt}"], "a; b")).toEqual({ args: ["-p", "a; b", "--note=task: a; b"], typed: null });
  });

  it("types the prompt, line by line, for {prompt:stdin}, and drops that argument", () => {
    expect(ptyInvocation(["--interactive", "{prompt:stdin}"], "one\ntwo")).toEqual({ args: ["--interactive"], typed: "one\rtwo\r" });
  });
});

describe("plainText", () => {
  it("drops colours, cursor moves and titles, and turns carriage returns into line ends", () => {
    expect(plainText("\x1b]0;title\x07\x1b[1;31merror:\x1b[0m gone\r\n\x1b[2K\x1b[1Gdone")).toBe("error: gone\ndone");
  });
});
