import type { LookupAddress } from "node:dns";
import { describe, expect, it } from "vitest";
import { guardedLookup, RefusedAddress, type Resolver } from "../../src/webhooks/guard.js";

/** The guarded lookup as a socket calls it, its callback's arguments as the answer. */
function lookup(resolve: Resolver, all = false): Promise<{ error: Error | null; address: unknown }> {
  return new Promise((settle) => {
    guardedLookup(resolve)("hooks.ytt.test", { all }, (error, address) => settle({ error, address }));
  });
}

const answer =
  (...addresses: LookupAddress[]): Resolver =>
  async () =>
    addresses;

describe("guardedLookup", () => {
  it("hands the socket the public addresses it checked", async () => {
    const pub = { address: "93.184.215.14", family: 4 };
    expect(await lookup(answer(pub))).toEqual({ error: null, address: "93.184.215.14" });
    expect(await lookup(answer(pub), true)).toEqual({ error: null, address: [pub] });
  });

  it("refuses an answer holding a non-public address, wherever it stands", async () => {
    const { error } = await lookup(
      answer({ address: "93.184.215.14", family: 4 }, { address: "169.254.169.254", family: 4 }),
    );
    expect(error).toBeInstanceOf(RefusedAddress);
    expect((error as RefusedAddress).reason).toBe("link-local");
  });

  it("refuses an answer holding something that is not an address at all", async () => {
    for (const garbage of ["not-an-address", "", "10.0.0.1.evil.example"]) {
      const { error } = await lookup(
        answer({ address: "93.184.215.14", family: 4 }, { address: garbage, family: 4 }),
      );
      expect({ garbage, error }).toEqual({ garbage, error: expect.any(RefusedAddress) });
      expect((error as RefusedAddress).reason).toBe("reserved");
    }
  });
});
