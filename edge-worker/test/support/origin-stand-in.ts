/**
 * A real HTTP server standing in for the origin behind the tunnel (globalSetup, runs in Node).
 * It verifies every API request with the real shared verifyRequest and answers canned origin
 * responses chosen by the video ID's first two letters:
 *   ok → 200 transcript   lg → 200 multi-hour transcript of ~2 MB
 *   jb → 202 job named by its request hash, like the origin's (its poll, or ?wait=1, completes)
 *   jd → the same 202 after DELAYED_202_MS, as the origin holds a call for its wait budget first
 *   jf → 202 whose job fails with BLOCKED_BY_YOUTUBE, without a retry time (YouTube gave none)
 *   nt → 404 TRANSCRIPTS_DISABLED
 *   bk → 503 BLOCKED_BY_YOUTUBE (Retry-After: 30)   sl → answers after 5 s   gb → 200 non-JSON   dn → connection reset
 * GET /__log (unsigned, test-only) returns what it received, for assertions on signing and headers.
 * Used as the tests' globalSetup (default export) and by the benchmark (startOriginStandIn).
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  ApiError,
  CALLER_HEADER,
  type ErrorCode,
  errorBody,
  requestHash,
  TranscriptQuerySchema,
  toTranscriptRequest,
  verifyRequest,
} from "@ytt/shared";
import type { TestProject } from "vitest/node";
import { cannedLanguages, cannedTranscript, largeTranscript } from "./canned.js";
import { TEST_SIGNING_KEY_ID, TEST_SIGNING_SECRET } from "./constants.js";

export interface LoggedRequest {
  method: string;
  path: string;
  verified: boolean;
  reason?: string;
  requestId: string | undefined;
  /** The signed caller line (plan:keyId) the edge sent. */
  caller: string | undefined;
  accessClientId: string | undefined;
  accessClientSecret: string | undefined;
  body: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    originPort: number;
  }
}

const log: LoggedRequest[] = [];
const nonces = new Set<string>();

type Canned =
  | { status: number; body: unknown; headers?: Record<string, string>; jsonl?: string }
  | "reset"
  | "slow"
  | "garbage";

function error(code: ErrorCode, requestId: string): { status: number; body: unknown } {
  const e = new ApiError(code);
  return { status: e.status, body: errorBody(e, requestId) };
}

/** Jobs handed out, by id (the request hash), with the video they are for. */
const jobs = new Map<string, string>();
/** Collection jobs handed out (POST /v1/collections), by id, with the request's body. */
const collectionJobs = new Map<string, unknown>();

/**
 * A collection job as the origin shows it: the page asked for (cursor, limit) of two items, or with
 * format=jsonl their results as JSON lines (`jsonl`: sent as is). The request it was made from is
 * echoed in `collection.title`, so tests see what the edge forwarded.
 */
function collectionAnswer(id: string, url: URL, requestId: string): Canned {
  const items = [
    { index: 0, videoId: "okCollect01", title: "one", status: "completed" },
    {
      index: 1,
      videoId: "ntCollect02",
      title: "two",
      status: "failed",
      error: { code: "TRANSCRIPTS_DISABLED", message: "No." },
    },
  ];
  if (url.searchParams.get("format") === "jsonl") {
    const lines = [
      { index: 0, videoId: "okCollect01", status: "completed", body: cannedTranscript("okCollect01") },
      { index: 1, videoId: "ntCollect02", status: "failed", error: items[1]?.error },
    ];
    // A page of one when asked: the next page's cursor in the header, as the origin says it.
    const paged = url.searchParams.get("limit") === "1";
    return {
      status: 200,
      body: undefined,
      jsonl: (paged ? lines.slice(0, 1) : lines).map((l) => `${JSON.stringify(l)}\n`).join(""),
      ...(paged ? { headers: { "X-Next-Cursor": "1" } } : {}),
    };
  }
  const cursor = Number(url.searchParams.get("cursor") ?? 0);
  const limit = Number(url.searchParams.get("limit") ?? 100);
  return {
    status: 200,
    body: {
      job: { id, status: "completed", statusUrl: `/v1/jobs/${id}`, kind: "collection" },
      collection: {
        type: "playlist",
        id: "PLstandIn",
        title: JSON.stringify(collectionJobs.get(id)),
        truncated: false,
      },
      progress: { total: 2, done: 1, failed: 1, extracted: 1 },
      items: items.slice(cursor, cursor + limit),
      ...(cursor + limit < items.length ? { nextCursor: String(cursor + limit) } : {}),
      requestId,
    },
  };
}

/**
 * How long "jd" holds its 202: past the 1 s MCP_JOB_WAIT_SECONDS the MCP test sets, within the
 * tests' ORIGIN_TIMEOUT_MS (1500).
 */
const DELAYED_202_MS = 1200;

function jobBody(
  id: string,
  status: "queued" | "completed" | "failed",
  requestId: string,
  outcome?: { result: unknown } | { error: unknown },
) {
  return { job: { id, status, statusUrl: `/v1/jobs/${id}` }, ...outcome, requestId };
}

/** A finished job of the stand-in's: "jf" videos fail, the others complete with the canned transcript. */
function finishedJob(id: string, videoId: string, requestId: string) {
  if (!videoId.startsWith("jf"))
    return jobBody(id, "completed", requestId, { result: cannedTranscript(videoId) });
  return jobBody(id, "failed", requestId, {
    error: errorBody(new ApiError("BLOCKED_BY_YOUTUBE"), requestId).error,
  });
}

async function pendingJob(
  videoId: string,
  query: Record<string, string>,
  requestId: string,
): Promise<Canned> {
  const request = toTranscriptRequest(videoId, TranscriptQuerySchema.parse(query));
  const id = await requestHash({ kind: "transcript", request });
  jobs.set(id, videoId);
  return { status: 202, body: jobBody(id, "queued", requestId), headers: { "Retry-After": "3" } };
}

async function transcriptAnswer(
  videoId: string,
  query: Record<string, string>,
  requestId: string,
): Promise<Canned> {
  const lang = (query.lang ?? "en").split(",")[0] ?? "en";
  switch (videoId.slice(0, 2)) {
    case "ok":
      return { status: 200, body: cannedTranscript(videoId, lang) };
    case "lg":
      return { status: 200, body: largeTranscript(videoId, lang) };
    case "jb":
    case "jf":
      return pendingJob(videoId, query, requestId);
    case "jd":
      await new Promise((done) => setTimeout(done, DELAYED_202_MS));
      return pendingJob(videoId, query, requestId);
    case "nt":
      return error("TRANSCRIPTS_DISABLED", requestId);
    case "bk":
      return { ...error("BLOCKED_BY_YOUTUBE", requestId), headers: { "Retry-After": "30" } };
    case "sl":
      return "slow";
    case "gb":
      return "garbage";
    case "dn":
      return "reset";
    default:
      return error("VIDEO_UNAVAILABLE", requestId);
  }
}

async function route(method: string, url: URL, body: string, requestId: string): Promise<Canned> {
  const transcript = url.pathname.match(/^\/v1\/transcripts\/([^/]+)$/);
  if (method === "GET" && transcript?.[1]) {
    return transcriptAnswer(transcript[1], Object.fromEntries(url.searchParams), requestId);
  }
  const languages = url.pathname.match(/^\/v1\/transcripts\/([^/]+)\/languages$/);
  if (method === "GET" && languages?.[1]) {
    const id = languages[1];
    return id.startsWith("ok")
      ? { status: 200, body: cannedLanguages(id) }
      : transcriptAnswer(id, {}, requestId);
  }
  const jobId = url.pathname.match(/^\/v1\/jobs\/([0-9a-f]{32})$/)?.[1] ?? "";
  if (method === "GET" && collectionJobs.has(jobId)) return collectionAnswer(jobId, url, requestId);
  if (method === "POST" && url.pathname === "/v1/collections") {
    // A playlist named "…QueueFull…" meets a full queue: the origin refuses it without a job.
    if (body.includes("QueueFull")) return error("QUEUE_FULL", requestId);
    // "…Gateway…": a proxy's 502 in front of the origin, no body of ours; the job may exist.
    if (body.includes("Gateway")) return { status: 502, body: { message: "bad gateway" } };
    const id = randomBytes(16).toString("hex");
    collectionJobs.set(id, JSON.parse(body));
    const job = { id, status: "queued", statusUrl: `/v1/jobs/${id}`, kind: "collection" };
    return { status: 202, body: { job, requestId }, headers: { "Retry-After": "4" } };
  }
  const jobVideo = jobs.get(jobId);
  if (method === "GET" && jobVideo) {
    return { status: 200, body: finishedJob(url.pathname.slice("/v1/jobs/".length), jobVideo, requestId) };
  }
  if (method === "POST" && url.pathname === "/v1/batch") {
    const { items } = JSON.parse(body) as { items: ({ video: string } & Record<string, string>)[] };
    const answers = await Promise.all(
      items.map(async ({ video, ...query }) => {
        const answer = await transcriptAnswer(video, query, requestId);
        return typeof answer === "string" ? error("UPSTREAM_TIMEOUT", requestId) : answer;
      }),
    );
    // ?wait=0, like the origin: every item queued, statuses only.
    if (url.searchParams.get("wait") === "0") {
      return { status: 200, body: { items: answers.map(({ status }) => ({ status })) } };
    }
    return { status: 200, body: { items: answers } };
  }
  const webhooks = webhookAnswer(method, url.pathname);
  if (webhooks) return webhooks;
  return error("NOT_FOUND", requestId);
}

/** /v1/webhooks as the origin answers it, for a key that has a secret; registrations are in /__log. */
function webhookAnswer(method: string, path: string): Canned | undefined {
  const createdAt = "2026-01-01T00:00:00.000Z";
  if (path === "/v1/webhooks/secret" && method === "POST") {
    return {
      status: 201,
      body: { secret: `whsec_${randomBytes(32).toString("base64")}`, createdAt, exists: true },
    };
  }
  if (path === "/v1/webhooks/secret") return { status: 200, body: { exists: true, createdAt } };
  if (path === "/v1/webhooks/batches" && method === "POST") {
    const id = randomBytes(16).toString("hex");
    return { status: 202, body: { webhook: { id, statusUrl: `/v1/webhooks/batches/${id}` } } };
  }
  return undefined;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { "Content-Type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://origin.test");
  if (url.pathname === "/__log") return send(res, 200, log);
  const body = await readBody(req);
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
  const requestId = headers.get("x-request-id") ?? "none";
  const verdict = await verifyRequest({
    method: req.method ?? "GET",
    pathWithQuery: url.pathname + url.search,
    headers,
    body,
    secretFor: (id) => (id === TEST_SIGNING_KEY_ID ? TEST_SIGNING_SECRET : undefined),
    rememberNonce: async (nonce) => !nonces.has(nonce) && Boolean(nonces.add(nonce)),
  });
  log.push({
    method: req.method ?? "GET",
    path: url.pathname + url.search,
    verified: verdict.ok,
    ...(verdict.ok ? {} : { reason: verdict.reason }),
    requestId: headers.get("x-request-id") ?? undefined,
    caller: headers.get(CALLER_HEADER) ?? undefined,
    accessClientId: headers.get("cf-access-client-id") ?? undefined,
    accessClientSecret: headers.get("cf-access-client-secret") ?? undefined,
    body,
  });
  // Like the real origin: unsigned or badly signed requests are refused.
  if (!verdict.ok) return send(res, 401, errorBody(new ApiError("UNAUTHORIZED"), requestId));

  const answer = await route(req.method ?? "GET", url, body, requestId);
  if (answer === "reset") return void req.socket.destroy();
  if (answer === "garbage") {
    res.writeHead(200, { "Content-Type": "text/html" });
    return void res.end("<html>502 Bad Gateway</html>");
  }
  if (answer === "slow") {
    const timer = setTimeout(() => send(res, 200, {}), 5000);
    res.on("close", () => clearTimeout(timer));
    return;
  }
  if (answer.jsonl !== undefined) {
    res.writeHead(answer.status, { "Content-Type": "application/jsonl; charset=utf-8", ...answer.headers });
    return void res.end(answer.jsonl);
  }
  send(res, answer.status, answer.body, answer.headers);
}

export async function startOriginStandIn(): Promise<{ port: number; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    handle(req, res).catch((e) => send(res, 500, { error: String(e) }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export default async function setup(project: TestProject) {
  const origin = await startOriginStandIn();
  project.provide("originPort", origin.port);
  return origin.close;
}
