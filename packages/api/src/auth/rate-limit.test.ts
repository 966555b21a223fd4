import { expect, it } from "vitest";
import { LoginRateLimiter } from "./rate-limit";

it("allows `limit` attempts per window and key, then says how long to wait", () => {
  const limiter = new LoginRateLimiter(3, 60_000, 2);
  expect([1, 2, 3].map(() => limiter.hit("a", 0))).toEqual([0, 0, 0]);
  expect(limiter.hit("a", 1000)).toBe(59);
  expect(limiter.hit("b", 1000)).toBe(0);
  expect(limiter.hit("a", 60_000)).toBe(0);
});

it("keeps at most maxKeys windows", () => {
  const limiter = new LoginRateLimiter(1, 60_000, 2);
  limiter.hit("a", 0);
  limiter.hit("a", 0);
  limiter.hit("b", 0);
  limiter.hit("c", 0); // evicts "a"
  expect(limiter.hit("a", 0)).toBe(0);
});
