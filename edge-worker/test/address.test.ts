import { describe, expect, it } from "vitest";
import { addressKey } from "../src/rate-limit/address.js";

describe("addressKey: what per-address limits count under", () => {
  it("keeps an IPv4 address whole", () => {
    expect(addressKey("192.0.2.1")).toBe("192.0.2.1");
    expect(addressKey(" 203.0.113.255 ")).toBe("203.0.113.255");
    expect(addressKey("192.0.2.1")).not.toBe(addressKey("192.0.2.2"));
  });

  it("reduces an IPv6 address to its /64, however it is written", () => {
    const key = "2001:db8:1:2::/64";
    for (const ip of [
      "2001:db8:1:2:3:4:5:6",
      "2001:db8:1:2::1",
      "2001:db8:1:2:ffff:ffff:ffff:ffff",
      "2001:0DB8:0001:0002:0000:0000:0000:0000",
      "2001:db8:1:2::",
      "2001:db8:1:2:0:0:192.0.2.1",
    ]) {
      expect(addressKey(ip), ip).toBe(key);
    }
    expect(addressKey("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(addressKey("::1")).toBe("0:0:0:0::/64");
    expect(addressKey("::")).toBe("0:0:0:0::/64");
    expect(addressKey("64:ff9b::192.0.2.1")).toBe("64:ff9b:0:0::/64");
    // The next /64 is another network.
    expect(addressKey("2001:db8:1:3::1")).toBe("2001:db8:1:3::/64");
  });

  it("reads an IPv4-mapped IPv6 address as the IPv4 address", () => {
    expect(addressKey("::ffff:192.0.2.1")).toBe("192.0.2.1");
    expect(addressKey("::FFFF:c000:0201")).toBe("192.0.2.1");
    expect(addressKey("0:0:0:0:0:ffff:192.0.2.1")).toBe("192.0.2.1");
  });

  it("puts anything that is not an address under one shared key", () => {
    for (const ip of [
      undefined,
      "",
      "unknown",
      "not an address",
      "192.0.2.256",
      "192.0.2",
      "192.0.2.1:443",
      "2001:db8::1::2",
      "2001:db8:1:2:3:4:5:6:7",
      "1::2:3:4:5:6:7:8",
      "2001:db8:1:2:3:4:5:",
      ":2001:db8::1",
      "12345::1",
      "fe80::1%eth0",
      "192.0.2.1::",
      `2001:db8::${"0:".repeat(5000)}1`,
    ]) {
      expect(addressKey(ip), String(ip)).toBe("unknown");
    }
  });
});
