import { describe, expect, it } from "vitest";
import { BurstVerdicts } from "../src/rate-limit/burst-verdicts.js";

/** A count the limiter has not answered yet, settled by the test. */
function pending() {
  let settle: (within: boolean) => void = () => {};
  const verdict = new Promise<boolean>((resolve) => {
    settle = resolve;
  });
  return { verdict, settle };
}

const never = new Promise<boolean>(() => {});

describe("burst verdicts (per isolate)", () => {
  it("lets a request go on without its own count while the key's previous count said yes", async () => {
    const verdicts = new BurstVerdicts(10);
    expect(await verdicts.admits("k", Promise.resolve(true))).toBe(true);
    // The second request's own count never answers, yet it is admitted on the first's.
    expect(await verdicts.admits("k", never)).toBe(true);
  });

  it("once a count said no, waits for each request's own: refused while the limiter refuses, served once the window rolls over", async () => {
    const verdicts = new BurstVerdicts(10);
    expect(await verdicts.admits("k", Promise.resolve(true))).toBe(true);
    // Past the limit: this request goes on (its previous said yes), its own count says no.
    expect(await verdicts.admits("k", Promise.resolve(false))).toBe(true);
    expect(await verdicts.admits("k", Promise.resolve(false))).toBe(false);
    // Minutes later, a retry after Retry-After: its own count says yes, so it is served, not refused on the old no.
    const retry = pending();
    const admitted = verdicts.admits("k", retry.verdict);
    retry.settle(true);
    expect(await admitted).toBe(true);
    expect(await verdicts.admits("k", never)).toBe(true);
  });

  it("keeps keys apart, and takes a failed count as saying nothing", async () => {
    const verdicts = new BurstVerdicts(10);
    await verdicts.admits("a", Promise.resolve(false));
    expect(await verdicts.admits("b", never)).toBe(true);
    await verdicts.admits(
      "c",
      Promise.reject(new Error("limiter down")).then(() => true),
    );
    expect(await verdicts.admits("c", never)).toBe(true);
  });

  it("forgets the oldest keys past its capacity", async () => {
    const verdicts = new BurstVerdicts(2);
    await verdicts.admits("a", Promise.resolve(false));
    await verdicts.admits("b", Promise.resolve(true));
    await verdicts.admits("c", Promise.resolve(true));
    // "a"'s no is forgotten: its next request goes on without waiting for its own count.
    expect(await verdicts.admits("a", never)).toBe(true);
    // "c" is remembered, and its yes admits at once.
    expect(await verdicts.admits("c", never)).toBe(true);
  });
});
