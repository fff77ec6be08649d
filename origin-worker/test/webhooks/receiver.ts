import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A webhook receiver's name in tests: a host rule (WEBHOOK_HOST_RULES) sends it to the receiver. */
export const RECEIVER_HOST = "hooks.ytt.test";

export interface ReceivedWebhook {
  path: string;
  headers: Record<string, string>;
  body: string;
  at: number;
}

/** How the receiver answers a request: a status, and a Location for redirects. */
export type Answer = { status: number; location?: string };

export interface WebhookReceiver {
  /** 127.0.0.x:port, the target of the test's host rule. */
  address: string;
  port: number;
  /** The receiver's self-signed certificate (PEM), for the sender to trust. */
  cert: string;
  certFile: string;
  /** `MAP <RECEIVER_HOST> <address>:<port>` */
  hostRules: string;
  url(path: string): string;
  received: ReceivedWebhook[];
  /** Answers for the next requests, in order; once used up, 200. */
  answers: Answer[];
  /** Resolves when `count` requests have arrived (at once if they have). */
  waitForRequests(count: number, timeoutMs?: number): Promise<ReceivedWebhook[]>;
  close(): Promise<void>;
}

/** A self-signed certificate for RECEIVER_HOST, made by openssl into a temporary folder. */
function selfSigned(): { dir: string; cert: string; key: string; certFile: string } {
  const dir = mkdtempSync(join(tmpdir(), "ytt-receiver-"));
  const certFile = join(dir, "cert.pem");
  const keyFile = join(dir, "key.pem");
  execFileSync(
    "openssl",
    [
      ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"],
      ...["-keyout", keyFile, "-out", certFile, "-days", "2", "-subj", `/CN=${RECEIVER_HOST}`],
      ...["-addext", `subjectAltName=DNS:${RECEIVER_HOST}`],
    ],
    { stdio: "ignore" },
  );
  return { dir, cert: readFileSync(certFile, "utf8"), key: readFileSync(keyFile, "utf8"), certFile };
}

/**
 * A real HTTPS receiver on a loopback address other than 127.0.0.1: what a customer's endpoint does
 * (records each request, answers as scripted). Only a test-only host rule lets the sender reach it.
 */
export async function startReceiver(address = "127.0.0.2"): Promise<WebhookReceiver> {
  const tls = selfSigned();
  const received: ReceivedWebhook[] = [];
  const answers: Answer[] = [];
  const listeners = new Set<() => void>();
  const server: Server = createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      received.push({
        path: req.url ?? "",
        headers: Object.fromEntries(
          Object.entries(req.headers).map(([name, value]) => [name, String(value)]),
        ),
        body: Buffer.concat(chunks).toString("utf8"),
        at: Date.now(),
      });
      const answer = answers.shift() ?? { status: 200 };
      res.writeHead(answer.status, answer.location ? { location: answer.location } : {});
      res.end("ok");
      for (const listener of listeners) listener();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, address, resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    address,
    port,
    cert: tls.cert,
    certFile: tls.certFile,
    hostRules: `MAP ${RECEIVER_HOST} ${address}:${port}`,
    url: (path) => `https://${RECEIVER_HOST}${path}`,
    received,
    answers,
    waitForRequests: (count, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (received.length < count) return;
          done();
          resolve(received.slice(0, count));
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`${received.length} of ${count} webhooks arrived in ${timeoutMs} ms`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      }),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(tls.dir, { recursive: true, force: true });
    },
  };
}
