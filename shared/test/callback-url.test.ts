import { describe, expect, it } from "vitest";
import { callbackUrlOf, checkCallbackUrl, classifyAddress } from "../src/callback-url.js";
import { ApiError } from "../src/errors.js";

const reason = (url: string) => {
  const check = checkCallbackUrl(url);
  return check.ok ? "ok" : check.reason;
};

describe("classifyAddress", () => {
  it.each([
    ["0.0.0.0", "unspecified"],
    ["0.255.255.255", "unspecified"],
    ["10.0.0.1", "private"],
    ["10.255.255.255", "private"],
    ["100.64.0.1", "cgnat"],
    ["100.127.255.255", "cgnat"],
    ["127.0.0.1", "loopback"],
    ["127.255.0.2", "loopback"],
    ["169.254.169.254", "link-local"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["192.0.0.8", "reserved"],
    ["192.0.2.1", "documentation"],
    ["192.88.99.1", "reserved"],
    ["192.168.1.1", "private"],
    ["198.18.0.1", "reserved"],
    ["198.19.255.255", "reserved"],
    ["198.51.100.7", "documentation"],
    ["203.0.113.9", "documentation"],
    ["224.0.0.1", "multicast"],
    ["239.255.255.250", "multicast"],
    ["240.0.0.1", "reserved"],
    ["255.255.255.255", "reserved"],
  ])("IPv4 %s is %s", (address, expected) => {
    expect(classifyAddress(address)).toBe(expected);
  });

  it.each([
    "8.8.8.8",
    "1.1.1.1",
    "9.255.255.255",
    "11.0.0.0",
    "100.63.255.255",
    "100.128.0.0",
    "172.15.255.255",
    "172.32.0.0",
    "192.167.255.255",
    "192.169.0.0",
    "223.255.255.255",
  ])("IPv4 %s, just outside the ranges, is public", (address) => {
    expect(classifyAddress(address)).toBe("public");
  });

  it.each([
    ["::", "unspecified"],
    ["0:0:0:0:0:0:0:0", "unspecified"],
    ["::1", "loopback"],
    ["0:0:0:0:0:0:0:1", "loopback"],
    ["[::1]", "loopback"],
    ["fe80::1", "link-local"],
    ["febf:ffff::1", "link-local"],
    ["fe80::1%eth0", "link-local"],
    ["fc00::1", "private"],
    ["fd12:3456:789a::1", "private"],
    ["fec0::1", "private"],
    ["ff02::1", "multicast"],
    ["ff05::1:3", "multicast"],
    ["2001:db8::1", "documentation"],
    ["3fff::1", "documentation"],
    ["2001::1", "reserved"],
    ["2001:0:4136:e378:8000:63bf:3fff:fdd2", "reserved"],
    ["2002:7f00:1::1", "reserved"],
    ["64:ff9b:1::1", "private"],
    ["100::1", "reserved"],
    ["::7f00:1", "reserved"],
    ["4000::1", "reserved"],
  ])("IPv6 %s is %s", (address, expected) => {
    expect(classifyAddress(address)).toBe(expected);
  });

  it("judges IPv4-mapped and NAT64 addresses by the IPv4 address inside, in every spelling", () => {
    expect(classifyAddress("::ffff:127.0.0.1")).toBe("loopback");
    expect(classifyAddress("::ffff:7f00:1")).toBe("loopback");
    expect(classifyAddress("0:0:0:0:0:ffff:7f00:0001")).toBe("loopback");
    expect(classifyAddress("::FFFF:A9FE:A9FE")).toBe("link-local");
    expect(classifyAddress("::ffff:10.1.2.3")).toBe("private");
    expect(classifyAddress("64:ff9b::10.0.0.1")).toBe("private");
    expect(classifyAddress("64:ff9b::c0a8:101")).toBe("private");
    expect(classifyAddress("::ffff:8.8.8.8")).toBe("public");
    expect(classifyAddress("64:ff9b::808:808")).toBe("public");
  });

  it("passes global unicast IPv6", () => {
    expect(classifyAddress("2606:4700:4700::1111")).toBe("public");
    expect(classifyAddress("2a00:1450:4001:82a::200e")).toBe("public");
    expect(classifyAddress("[2001:4860:4860::8888]")).toBe("public");
  });

  it("says undefined for what is not an IP address", () => {
    for (const text of [
      "example.com",
      "1.2.3",
      "256.1.1.1",
      "1.2.3.4.5",
      "::1::2",
      "1:2:3:4:5:6:7:8:9",
      "g::1",
      "12345::",
    ]) {
      expect(classifyAddress(text), text).toBeUndefined();
    }
  });
});

describe("checkCallbackUrl", () => {
  it("accepts https URLs to public names and addresses on the default port", () => {
    expect(reason("https://hooks.example.com/ytt?token=abc")).toBe("ok");
    expect(reason("https://hooks.example.com:443/ytt")).toBe("ok");
    expect(reason("https://93.184.215.14/hook")).toBe("ok");
    expect(reason("https://[2606:4700:4700::1111]/hook")).toBe("ok");
    expect(reason("https://xn--bcher-kva.example/hook")).toBe("ok");
  });

  it("refuses other schemes, credentials, ports, junk and overlong URLs", () => {
    expect(reason("http://hooks.example.com/")).toBe("not-https");
    expect(reason("ftp://hooks.example.com/")).toBe("not-https");
    expect(reason("javascript:alert(1)")).toBe("not-https");
    expect(reason("https://user:pass@hooks.example.com/")).toBe("credentials");
    expect(reason("https://user@hooks.example.com/")).toBe("credentials");
    expect(reason("https://hooks.example.com:8443/")).toBe("port");
    expect(reason("https://hooks.example.com:0/")).toBe("port");
    expect(reason("not a url")).toBe("malformed");
    expect(reason("https://")).toBe("malformed");
    expect(reason(`https://hooks.example.com/${"a".repeat(2048)}`)).toBe("too-long");
  });

  it("refuses every spelling of a loopback or private IPv4 literal: the URL parser makes them dotted decimal", () => {
    expect(reason("https://127.0.0.1/")).toBe("loopback");
    expect(reason("https://2130706433/")).toBe("loopback");
    expect(reason("https://0x7f000001/")).toBe("loopback");
    expect(reason("https://0x7f.0.0.1/")).toBe("loopback");
    expect(reason("https://0177.0.0.1/")).toBe("loopback");
    expect(reason("https://017700000001/")).toBe("loopback");
    expect(reason("https://127.1/")).toBe("loopback");
    expect(reason("https://0/")).toBe("unspecified");
    expect(reason("https://167772161/")).toBe("private");
    expect(reason("https://0xa9.0xfe.0xa9.0xfe/")).toBe("link-local");
    expect(reason("https://%31%32%37.0.0.1/")).toBe("loopback");
    expect(reason("https://127.0.0.1./")).toBe("loopback");
  });

  it("refuses IPv6 literals of non-public ranges, v4-mapped ones included", () => {
    expect(reason("https://[::1]/")).toBe("loopback");
    expect(reason("https://[::]/")).toBe("unspecified");
    expect(reason("https://[::ffff:127.0.0.1]/")).toBe("loopback");
    expect(reason("https://[::ffff:169.254.169.254]/")).toBe("link-local");
    expect(reason("https://[fd00::1]/")).toBe("private");
    expect(reason("https://[fe80::1]/")).toBe("link-local");
    expect(reason("https://[ff02::1]/")).toBe("multicast");
  });

  it("refuses local names", () => {
    for (const url of [
      "https://localhost/",
      "https://LOCALHOST./",
      "https://api.localhost/",
      "https://printer.local/",
      "https://metadata.google.internal/",
      "https://router.home.arpa/",
      "https://nas.lan/",
      "https://intranet/",
    ]) {
      expect(reason(url), url).toBe("local-name");
    }
  });

  it("callbackUrlOf gives the URL as the parser writes it, or INVALID_CALLBACK_URL with the reason", () => {
    expect(callbackUrlOf("https://Hooks.Example.COM:443/a b?x=1")).toBe(
      "https://hooks.example.com/a%20b?x=1",
    );
    const refusal = (() => {
      try {
        callbackUrlOf("https://[::1]/");
      } catch (error) {
        return error;
      }
    })();
    expect(refusal).toBeInstanceOf(ApiError);
    expect(refusal).toMatchObject({
      code: "INVALID_CALLBACK_URL",
      status: 400,
      details: { reason: "loopback" },
    });
  });

  it("stays fast on hostile input", () => {
    const started = performance.now();
    for (const url of [
      `https://${"a.".repeat(1000)}com/`,
      `https://[${"1:".repeat(500)}1]/`,
      `https://${"1".repeat(2000)}/`,
      `https://${":".repeat(2000)}/`,
    ]) {
      checkCallbackUrl(url);
      classifyAddress(url.slice(8, -1));
    }
    expect(performance.now() - started).toBeLessThan(100);
  });
});
