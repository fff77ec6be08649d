import { describe, expect, it } from "vitest";
import { callerOf, encodeCaller, parseCaller } from "../src/caller.js";

const HASH = "0123456789abcdef".repeat(4);

describe("caller", () => {
  it("round-trips a key's plan and short id", () => {
    const caller = callerOf("pro", HASH);
    expect(caller).toEqual({ plan: "pro", keyId: "0123456789abcdef" });
    expect(encodeCaller(caller)).toBe("pro:0123456789abcdef");
    expect(parseCaller(encodeCaller(caller))).toEqual(caller);
  });

  it("reads nothing else", () => {
    for (const value of [
      undefined,
      "",
      "admin:0123456789abcdef",
      "free:0123456789ABCDEF",
      "free:0123456789abcde",
      "free:0123456789abcdef0",
      "free:0123456789abcdef\n",
      " free:0123456789abcdef",
    ]) {
      expect(parseCaller(value), String(value)).toBeUndefined();
    }
  });
});
