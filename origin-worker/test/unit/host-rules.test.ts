import { describe, expect, it } from "vitest";
import { matchPattern, parseHostRules, resolveHost } from "../../src/upstream/host-rules.js";

const resolve = (rules: string, host: string, port = 443) =>
  resolveHost(parseHostRules(rules), { host, port });

describe("UPSTREAM_HOST_RULES (Chromium --host-resolver-rules)", () => {
  it("MAP * sends every host to the double's address and port", () => {
    expect(resolve("MAP * 127.0.0.1:8443", "www.youtube.com")).toEqual({ host: "127.0.0.1", port: 8443 });
    expect(resolve("MAP * 127.0.0.1:8443", "jnn-pa.googleapis.com", 80)).toEqual({
      host: "127.0.0.1",
      port: 8443,
    });
  });

  it("keeps the request's port when the replacement has none, and reads bracketed IPv6", () => {
    expect(resolve("MAP *.youtube.com 10.0.0.5", "www.youtube.com")).toEqual({ host: "10.0.0.5", port: 443 });
    expect(resolve("MAP * [::1]:9443", "www.youtube.com")).toEqual({ host: "::1", port: 9443 });
  });

  it("the first matching MAP rule wins; hosts no rule names resolve as usual", () => {
    const rules = "MAP www.youtube.com 127.0.0.1:1001, MAP *.youtube.com 127.0.0.1:1002";
    expect(resolve(rules, "www.youtube.com")).toEqual({ host: "127.0.0.1", port: 1001 });
    expect(resolve(rules, "m.youtube.com")).toEqual({ host: "127.0.0.1", port: 1002 });
    expect(resolve(rules, "example.org")).toEqual({ host: "example.org", port: 443 });
  });

  it("EXCLUDE wins wherever it stands, as in Chromium (net/base/host_mapping_rules.cc)", () => {
    expect(resolve("MAP * 127.0.0.1:8443, EXCLUDE localhost", "localhost")).toEqual({
      host: "localhost",
      port: 443,
    });
    expect(resolve("EXCLUDE *.google.com, MAP * 127.0.0.1:8443", "www.google.com")).toEqual({
      host: "www.google.com",
      port: 443,
    });
    expect(resolve("MAP * 127.0.0.1:8443, EXCLUDE localhost", "www.youtube.com").port).toBe(8443);
  });

  it("a pattern may name host:port; keywords are case-insensitive, hostnames compared in lower case", () => {
    expect(resolve("map WWW.YouTube.com:443 127.0.0.1:1", "www.youtube.com")).toEqual({
      host: "127.0.0.1",
      port: 1,
    });
    expect(resolve("MAP www.youtube.com:443 127.0.0.1:1", "www.youtube.com", 80)).toEqual({
      host: "www.youtube.com",
      port: 80,
    });
    expect(resolve("MAP *.youtube.com 127.0.0.1:1", "WWW.YOUTUBE.COM").port).toBe(1);
  });

  it("refuses what it cannot read instead of quietly reaching the real host", () => {
    for (const bad of [
      "MAP *",
      "MAP * 127.0.0.1:99999",
      "MAP * 127.0.0.1:",
      "MAP * [::1",
      "REDIRECT * 127.0.0.1",
      "EXCLUDE",
    ]) {
      expect(() => parseHostRules(bad), bad).toThrow(/unreadable host rule/);
    }
    expect(parseHostRules(" , ")).toEqual({ maps: [], excludes: [] });
  });
});

describe("glob patterns (base::MatchPattern: * and ?)", () => {
  it("matches as Chromium does", () => {
    expect(matchPattern("www.youtube.com", "*.youtube.com")).toBe(true);
    expect(matchPattern("youtube.com", "*.youtube.com")).toBe(false);
    expect(matchPattern("rr1---sn-x.googlevideo.com", "*.googlevideo.com")).toBe(true);
    expect(matchPattern("m.youtube.com", "?.youtube.com")).toBe(true);
    expect(matchPattern("www.youtube.com", "?.youtube.com")).toBe(false);
    expect(matchPattern("", "*")).toBe(true);
    expect(matchPattern("abc", "a*b*c*")).toBe(true);
  });

  it("stays fast on adversarial input (no exponential backtracking)", () => {
    const text = "a".repeat(20_000);
    const started = performance.now();
    expect(matchPattern(text, `${"*a".repeat(30)}b`)).toBe(false);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
