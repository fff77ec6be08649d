import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TLSSocket } from "node:tls";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { createUpstreamFetch } from "../../src/upstream/fetch.js";

/** The worker's own HTTP client against local servers standing in for YouTube's hostnames. */

describe("upstream requests under host rules", () => {
  it("reach the mapped address with the original Host, only the headers given, and decode gzip", async () => {
    const seen: { method?: string; url?: string; headers?: IncomingHttpHeaders; body?: string } = {};
    const server = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => {
        body += c;
      });
      req.on("end", () => {
        Object.assign(seen, { method: req.method, url: req.url, headers: req.headers, body });
        res.writeHead(200, { "content-encoding": "gzip", "content-type": "application/json" });
        res.end(gzipSync('{"ok":true}'));
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as AddressInfo;
    try {
      const fetchUpstream = createUpstreamFetch(`MAP * 127.0.0.1:${port}`);
      const answer = await fetchUpstream("http://www.youtube.com/youtubei/v1/player?prettyPrint=false", {
        method: "POST",
        headers: { "content-type": "application/json", "user-agent": "app/1.0" },
        body: '{"videoId":"x"}',
      });
      expect(answer).toMatchObject({ status: 200, body: '{"ok":true}' });
      expect(seen).toMatchObject({
        method: "POST",
        url: "/youtubei/v1/player?prettyPrint=false",
        body: '{"videoId":"x"}',
      });
      const { connection: _, "content-length": __, ...headers } = seen.headers ?? {};
      expect(headers).toEqual({
        host: "www.youtube.com",
        "content-type": "application/json",
        "user-agent": "app/1.0",
        "accept-encoding": "gzip, deflate, br",
      });
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it("gives up when the caller's signal aborts", async () => {
    const server = createServer(() => {
      // never answers
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as AddressInfo;
    try {
      const fetchUpstream = createUpstreamFetch(`MAP * 127.0.0.1:${port}`);
      await expect(
        fetchUpstream("http://www.youtube.com/", { signal: AbortSignal.timeout(200) }),
      ).rejects.toMatchObject({ name: "AbortError" });
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});

describe("upstream TLS: the original server name, and certificates always verified", () => {
  const dir = mkdtempSync(join(tmpdir(), "ytt-upstream-tls-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const run = (args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  // A throwaway CA and a certificate for www.youtube.com only (as the double's, but not shared with it).
  run(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ca.key"]);
  run(["req", "-x509", "-new", "-key", "ca.key", "-subj", "/CN=ytt test CA", "-days", "2", "-out", "ca.pem"]);
  run(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "server.key"]);
  run(["req", "-new", "-key", "server.key", "-subj", "/CN=www.youtube.com", "-out", "server.csr"]);
  writeFileSync(join(dir, "ext.cnf"), "subjectAltName=DNS:www.youtube.com\n");
  run([
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-days",
    "2",
    "-extfile",
    "ext.cnf",
    "-out",
    "server.pem",
  ]);

  const child = async (url: string, rules: string, env: Record<string, string>) => {
    const script = new URL("./fetch-child.ts", import.meta.url).pathname;
    const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", script, url, rules], {
      env: { PATH: process.env.PATH ?? "", ...env },
    });
    return JSON.parse(stdout);
  };

  it("trusts the extra CA of NODE_EXTRA_CA_CERTS, checks the name against the original host, and refuses otherwise", async () => {
    const serverNames: string[] = [];
    const server = createHttpsServer(
      { cert: readFileSync(join(dir, "server.pem")), key: readFileSync(join(dir, "server.key")) },
      (req, res) => {
        serverNames.push((req.socket as TLSSocket).servername || "");
        res.end(`hello ${req.headers.host}`);
      },
    );
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const rules = `MAP * 127.0.0.1:${(server.address() as AddressInfo).port}`;
    const trusted = { NODE_EXTRA_CA_CERTS: join(dir, "ca.pem") };
    try {
      expect(await child("https://www.youtube.com/robots.txt", rules, trusted)).toEqual({
        status: 200,
        body: "hello www.youtube.com",
      });
      expect(serverNames).toEqual(["www.youtube.com"]);
      // Not in the certificate: the name is checked, not just the chain.
      expect(await child("https://m.youtube.com/", rules, trusted)).toEqual({
        error: "ERR_TLS_CERT_ALTNAME_INVALID",
      });
      // Without the extra CA the chain is not trusted: verification is never switched off.
      expect(await child("https://www.youtube.com/", rules, {})).toEqual({
        error: "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
      });
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
