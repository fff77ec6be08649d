// The Redis users of k8s/redis-acl/, filled as k8s/README.md fills them and loaded by real
// redis-servers started from the rendered redis.conf files. The real origin API and a real BullMQ
// worker (createTranscriptWorker, with a stand-in engine) then serve requests through them, each as
// its own user, and no command may be refused (ACL LOG stays empty); then every user is held to what
// it must not do. Needs redis-server and redis-cli ≥ 7.0 on the PATH (%R~ key rules, ACL DRYRUN).
import { type ChildProcess, execFile, execFileSync, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import {
  createLogger,
  createTranscriptWorker,
  createWebhookWorker,
  createWorkerMetrics,
  type Engine,
  JobSubmitter,
  loadApiConfig,
  loadWorkerConfig,
  parseHostRules,
  producerConnection,
  type RunningOrigin,
  startOrigin,
  submitterOptionsFrom,
  WebhookOutbox,
  workerOptionsFrom,
} from "@ytt/origin-worker";
import { ApiError, encodeCaller, signRequest, type Transcript, type WorkRequest } from "@ytt/shared";
import type { Worker } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startReceiver } from "../../origin-worker/test/webhooks/receiver.js";
import { aclLines, aclTemplate, aclUsers, globMatches, type RedisServer, redisServers } from "./redis.js";
import { find, generatedConfigMap, render } from "./render.js";

const run = promisify(execFile);
const objects = render("prod");
const servers = redisServers(objects);
const TEMPLATES = { queue: "redis", cache: "redis-cache" } as const;
type Template = keyof typeof TEMPLATES;

/** The users and rules these templates are meant to hold (the why is in the templates' comments). */
const INTENDED: Record<Template, Record<string, string>> = {
  queue: {
    default: "off",
    "origin-api": "on #@origin-api@ resetchannels ~ytt:* ~ytt-origin:* +@all -@dangerous +info",
    "origin-worker":
      "on #@origin-worker@ resetchannels ~ytt:* ~ytt-origin:*:inflight ~ytt-origin:*:inflight:* ~ytt-origin:*:collection:* +@all -@dangerous +info",
    "origin-webhooks":
      "on #@origin-webhooks@ resetchannels ~ytt:* %R~ytt-origin:*:webhook-secret:* %R~ytt-origin:*:callback:* ~ytt-origin:*:webhook-log:* +@all -@dangerous +info",
    keda: "on #@keda@ resetchannels ~ytt:*:wait ~ytt:*:active -@all +@connection -@dangerous +eval +evalsha +type +llen",
    probe: "on #@probe@ resetchannels -@all +ping",
  },
  cache: {
    default: "off",
    "origin-api":
      "on #@origin-api@ resetchannels %R~ytt-origin:*:result:* %R~ytt-origin:*:blob:* -@all +@connection -@dangerous +info +get",
    "origin-worker":
      "on #@origin-worker@ resetchannels ~ytt-origin:*:result:* ~ytt-origin:*:blob:* -@all +@connection -@dangerous +info +get +set +expire +exists +multi +exec",
    probe: "on #@probe@ resetchannels -@all +ping",
  },
};

describe.each(Object.keys(TEMPLATES) as Template[])("the %s Redis' ACL template", (template) => {
  const users = aclUsers(aclTemplate(template));

  it("holds exactly the intended users and rules", () => {
    expect(Object.fromEntries(users.map((u) => [u.name, u.rules.join(" ")]))).toEqual(INTENDED[template]);
  });

  it("switches `default` off and gives every other user one password, as the hash put at its @user@ marker", () => {
    expect(users.find((u) => u.name === "default")?.rules).toEqual(["off"]);
    for (const { name, rules } of users) {
      if (name === "default") continue;
      expect(
        rules.filter((r) => /^[>#<!]|^nopass$/.test(r)),
        name,
      ).toEqual([`#@${name}@`]);
      expect(rules, name).toContain("resetchannels");
      expect(rules, name).not.toContain("allkeys");
      expect(rules, name).not.toContain("~*");
    }
  });

  it("names the user the server's probes sign in as", () => {
    const c = (servers[TEMPLATES[template]] as RedisServer).container;
    const probe = c.readinessProbe.exec.command as string[];
    expect(users.map((u) => u.name)).toContain(probe[probe.indexOf("--user") + 1]);
  });
});

it("gives KEDA's user the lists its trigger reads, not BullMQ's job data", () => {
  const withTrigger = render("dev", ["keda-redis-trigger"]);
  const so = find(withTrigger, "ScaledObject", "origin-worker", "ytt");
  const lists = so.spec.triggers
    .filter((t: { type: string }) => t.type === "redis")
    .map((t: { metadata: { listName: string } }) => t.metadata.listName);
  const keda = aclUsers(aclTemplate("queue")).find((u) => u.name === "keda");
  const patterns = (keda?.rules ?? []).filter((r) => r.startsWith("~")).map((r) => r.slice(1));
  expect(lists.length).toBe(2);
  for (const list of lists)
    expect(
      patterns.some((p) => globMatches(p, list)),
      list,
    ).toBe(true);
  expect(patterns.some((p) => globMatches(p, "ytt:transcripts:0123456789abcdef0123456789abcdef"))).toBe(
    false,
  );
});

// ---- On real servers ----------------------------------------------------------------------------

/** KEDA's redis scaler reads a list's length with this script (kedacore/keda pkg/scalers/redis_scaler.go). */
const KEDA_SCRIPT = `
  local listName = KEYS[1]
  local listType = redis.call('type', listName).ok
  local cmd = { zset = 'zcard', set = 'scard', list = 'llen', hash = 'hlen', none = 'llen' }
  return redis.call(cmd[listType], listName)
`;
const SIGNING_KEY = { id: "k8s-acl", secret: randomBytes(32).toString("hex") };
const CALLER = encodeCaller({ plan: "pro", keyId: "00000000000000ac" });
/** Another customer's key, with a webhook secret of its own. */
const OTHER_CALLER = encodeCaller({ plan: "pro", keyId: "00000000000000ad" });
const ADMIN = "test-admin";

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
type Redis = ReturnType<typeof producerConnection>;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Any answer to PING (even NOAUTH) means the server is up. */
function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once("error", () => done(false));
    socket.once("data", () => done(true));
    socket.connect(port, "127.0.0.1", () => socket.write("PING\r\n"));
  });
}

interface Running {
  port: number;
  passwords: Record<string, string>;
  process: ChildProcess;
  url(user: string): string;
}

/**
 * A redis-server from the rendered config, on a free port in a scratch directory, its users from the
 * template filled as k8s/README.md does (comments dropped, each @user@ → the SHA-256 of a fresh
 * password), plus an admin user of the test's own to read ACL LOG and ask ACL DRYRUN.
 */
async function startServer(template: Template, dir: string): Promise<Running> {
  const server = servers[TEMPLATES[template]] as RedisServer;
  const passwords: Record<string, string> = { [ADMIN]: randomBytes(16).toString("hex") };
  const acl = aclLines(aclTemplate(template)).map((line) =>
    line.replace(/@([a-z-]+)@/g, (_, user: string) => {
      passwords[user] = randomBytes(32).toString("hex");
      return sha256(passwords[user]);
    }),
  );
  const aclfile = join(dir, `${template}.acl`);
  writeFileSync(aclfile, [...acl, `user ${ADMIN} on >${passwords[ADMIN]} ~* &* +@all`, ""].join("\n"));
  const port = await freePort();
  const conf = join(dir, `${template}.conf`);
  // The rendered file, but where this test keeps things (`dir` takes effect as it is read).
  const paths = { dir, aclfile, port: String(port), bind: "127.0.0.1" };
  const lines = server.conf
    .split("\n")
    .filter((line) => !Object.keys(paths).includes(line.split(" ")[0] ?? ""));
  writeFileSync(conf, [...lines, ...Object.entries(paths).map(([k, v]) => `${k} ${v}`), ""].join("\n"));
  const child = spawn("redis-server", [conf], { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  for (const stream of [child.stdout, child.stderr])
    stream?.on("data", (chunk) => {
      log += chunk;
    });
  const deadline = Date.now() + 10_000;
  while (!(await answers(port))) {
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`redis-server (${template}) did not start:\n${log.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    passwords,
    process: child,
    url: (user) => `redis://${user}:${passwords[user]}@127.0.0.1:${port}`,
  };
}

async function connect(url: string): Promise<Redis> {
  const redis = producerConnection(url);
  await new Promise<void>((resolve, reject) => {
    redis.once("ready", () => resolve());
    redis.once("error", reject);
  });
  return redis;
}

function transcript(videoId: string): Transcript {
  return {
    video: { videoId, title: "ACL", channelName: "k8s", channelId: "UCk8s", chapters: [] },
    track: { languageCode: "en", name: "English", kind: "manual", isTranslatable: false },
    segments: [{ startMs: 0, durationMs: 1000, text: `the transcript of ${videoId}` }],
  } as unknown as Transcript;
}

/** A stand-in engine: one video has no captions; two fail their first attempt (a timeout, a YouTube block). */
const attempts = new Map<string, number>();
const engine = {
  run: async (work: WorkRequest) => {
    const { videoId } = work.request;
    const attempt = (attempts.get(videoId) ?? 0) + 1;
    attempts.set(videoId, attempt);
    if (videoId === "aclNoCapts1") throw new ApiError("TRANSCRIPTS_DISABLED");
    if (videoId === "aclTimeout1" && attempt === 1) throw new ApiError("UPSTREAM_TIMEOUT");
    if (videoId === "aclBlocked1" && attempt === 1) throw new ApiError("BLOCKED_BY_YOUTUBE");
    return transcript(videoId);
  },
} as unknown as Engine;

describe("the Redis users, on real servers", () => {
  let dir: string;
  const running: Partial<Record<Template, Running>> = {};
  let origin: RunningOrigin | undefined;
  let worker: Worker | undefined;
  let submitter: JobSubmitter | undefined;
  const clients: Redis[] = [];
  const queue = () => running.queue as Running;
  const cache = () => running.cache as Running;
  const admins = new Map<Running, Promise<Redis>>();
  /** The test's own admin connection to a server (ACL LOG, ACL DRYRUN, fixtures). */
  const admin = (r: Running) => {
    let connection = admins.get(r);
    if (!connection) {
      connection = connect(r.url(ADMIN));
      admins.set(r, connection);
      connection.then(
        (c) => clients.push(c),
        () => undefined,
      );
    }
    return connection;
  };

  beforeAll(async () => {
    try {
      execFileSync("redis-server", ["--version"], { stdio: "ignore" });
    } catch {
      throw new Error(
        "redis-server is not installed (apt-get install redis-server): this test starts its own",
      );
    }
    dir = mkdtempSync(join(tmpdir(), "ytt-redis-acl-"));
    running.queue = await startServer("queue", dir);
    running.cache = await startServer("cache", dir);

    const base = generatedConfigMap(objects, "origin-config", "ytt").data ?? {};
    const shared = { ...base, ORIGIN_HOST: "127.0.0.1", OPS_PORT: "0", LOG_LEVEL: "silent" };
    const apiConfig = loadApiConfig({
      ...shared,
      ORIGIN_PORT: "0",
      SIGNING_KEYS: `${SIGNING_KEY.id}:${SIGNING_KEY.secret}`,
      REDIS_URL: queue().url("origin-api"),
      RESULT_REDIS_URL: cache().url("origin-api"),
    });
    origin = await startOrigin(apiConfig, createLogger("silent", { service: "k8s-acl-api" }));

    // The worker as src/worker/main.ts wires it, with quick retries and pauses.
    const config = loadWorkerConfig({
      ...shared,
      REDIS_URL: queue().url("origin-worker"),
      RESULT_REDIS_URL: cache().url("origin-worker"),
      RETRY_BASE_DELAY_MS: "50",
      BLOCKED_PAUSE_MS: "200",
    });
    const redis = await connect(config.REDIS_URL);
    const resultRedis = await connect(config.RESULT_REDIS_URL ?? "");
    clients.push(redis, resultRedis);
    submitter = new JobSubmitter(submitterOptionsFrom(config));
    worker = createTranscriptWorker(
      workerOptionsFrom(config, {
        redis,
        resultRedis,
        submitter,
        outbox: new WebhookOutbox(redis, config.QUEUE_NAME),
        engine,
        log: createLogger("silent", { service: "k8s-acl-worker" }),
        metrics: createWorkerMetrics(),
      }),
    );
    await worker.waitUntilReady();
  }, 30_000);

  afterAll(async () => {
    await worker?.close(true);
    await submitter?.close();
    await origin?.close();
    await Promise.all(clients.map((c) => c.quit().catch(() => undefined)));
    for (const r of Object.values(running)) {
      r.process.kill("SIGTERM");
      await new Promise((resolve) =>
        r.process.exitCode !== null ? resolve(null) : r.process.once("exit", resolve),
      );
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  async function signed(path: string, body?: string, caller = CALLER): Promise<Response> {
    const method = body === undefined ? "GET" : "POST";
    const headers = await signRequest({
      method,
      pathWithQuery: path,
      key: SIGNING_KEY,
      caller,
      ...(body !== undefined ? { body } : {}),
    });
    return fetch(`http://127.0.0.1:${origin?.port}${path}`, {
      method,
      headers: { ...headers, ...(body !== undefined ? { "Content-Type": "application/json" } : {}) },
      ...(body !== undefined ? { body } : {}),
    });
  }

  it("let the origin API and worker serve transcripts, failures, retries and batches with no command refused", async () => {
    // Each Redis saw its users, and only them.
    for (const r of [queue(), cache()]) await (await admin(r)).acl("LOG", "RESET");

    const first = await signed("/v1/transcripts/aclVideo001?lang=en");
    expect(first.status).toBe(200);
    expect(((await first.json()) as Transcript).segments[0]?.text).toBe("the transcript of aclVideo001");
    // Again: answered from the result store, through the API's read-only user on the cache.
    const again = await signed("/v1/transcripts/aclVideo001?lang=en");
    expect(again.status).toBe(200);
    expect(attempts.get("aclVideo001")).toBe(1);

    expect((await signed("/v1/transcripts/aclNoCapts1")).status).toBe(404);
    for (const id of ["aclTimeout1", "aclBlocked1"]) {
      expect((await signed(`/v1/transcripts/${id}`)).status, id).toBe(200);
      expect(attempts.get(id), id).toBe(2);
    }
    const batch = await signed(
      "/v1/batch",
      JSON.stringify({
        items: [{ video: "aclBatch001" }, { video: "aclBatch002" }, { video: "aclVideo001" }],
      }),
    );
    expect(batch.status).toBe(200);
    const { items } = (await batch.json()) as { items: { status: number }[] };
    expect(items.map((i) => i.status)).toEqual([200, 200, 200]);

    const ops = `http://127.0.0.1:${origin?.opsPort}`;
    for (const path of ["/readyz", "/queue-depth", "/metrics"])
      expect((await fetch(`${ops}${path}`)).status, path).toBe(200);

    // Nothing was refused, not even what a client swallows (ioredis' handshake, BullMQ's checks).
    for (const [name, r] of Object.entries(running)) {
      const entries = (await (await admin(r)).acl("LOG")) as string[][];
      const refusals = entries.map((flat) => {
        const e = Object.fromEntries(flat.flatMap((v, i) => (i % 2 ? [] : [[v, flat[i + 1]]])));
        return `${e.username}: ${e.context} ${e.reason} ${e.object}`;
      });
      expect(refusals, `refused by the ${name} Redis`).toEqual([]);
    }
  }, 60_000);

  const queueName = generatedConfigMap(objects, "origin-config", "ytt").data?.QUEUE_NAME ?? "";
  /** The webhooks process as webhooks/main.ts wires it, as its own user, sending as `send` says. */
  async function startWebhooks(send: Parameters<typeof createWebhookWorker>[0]["send"]) {
    const url = queue().url("origin-webhooks");
    const redis = await connect(url);
    clients.push(redis);
    const delivery = createWebhookWorker({
      redisUrl: url,
      redis,
      queueName,
      retryDelaysMs: [50],
      batchPollMs: 50,
      concurrency: 4,
      send,
      log: createLogger("silent", { service: "k8s-acl-webhooks" }),
    });
    return { redis, delivery };
  }

  it("let the webhooks process watch a batch and log its delivery as its own user, with no command refused", async () => {
    const q = queue();
    await (await admin(q)).acl("LOG", "RESET");
    // No network here: the callback's name "resolves" to an address the sender refuses, for good.
    const { delivery } = await startWebhooks({
      timeoutMs: 1000,
      resolve: async () => [{ address: "10.0.0.1", family: 4 }],
    });
    try {
      const failed = new Promise((resolve) => delivery.worker.once("failed", resolve));
      expect((await signed("/v1/webhooks/secret", "")).status).toBe(201);
      const body = JSON.stringify({
        callbackUrl: "https://hooks.example.com/acl",
        items: [{ index: 0, videoId: "aclVideo001", status: 200 }],
      });
      const registered = await signed("/v1/webhooks/batches", body);
      expect(registered.status).toBe(202);
      const { webhook } = (await registered.json()) as { webhook: { id: string } };
      await failed;
      const shown = await signed(`/v1/webhooks/batches/${webhook.id}`);
      expect(await shown.json()).toMatchObject({
        status: "failed",
        deliveries: [{ attempts: [{ error: "refused: private" }] }],
      });
    } finally {
      await delivery.close(true);
    }
    const entries = (await (await admin(q)).acl("LOG")) as string[][];
    expect(entries.map((flat) => flat.join(" "))).toEqual([]);
  });

  it("let the webhooks process send only where the API registered a job's callback, whatever the worker's user enqueues", async () => {
    const q = queue();
    await (await admin(q)).acl("LOG", "RESET");
    const receiver = await startReceiver("127.0.0.6");
    const { redis, delivery } = await startWebhooks({
      timeoutMs: 2000,
      hostRules: parseHostRules(receiver.hostRules),
      ca: receiver.cert,
    });
    // What the extraction worker's user can put on the webhooks queue, as if it were taken over.
    const workerRedis = await connect(q.url("origin-worker"));
    clients.push(workerRedis);
    const forger = new WebhookOutbox(workerRedis, queueName);
    try {
      expect((await signed("/v1/webhooks/secret", "")).status).toBe(201);
      expect((await signed("/v1/webhooks/secret", "", OTHER_CALLER)).status).toBe(201);
      // The API registers the collection's callback as it makes the job; the worker lists it (the
      // stand-in engine cannot, so it fails) and, as its own user, enqueues the callback.
      const created = await signed(
        "/v1/collections",
        JSON.stringify({
          collection: "PLk8sAclCollection000000000000000",
          callbackUrl: receiver.url("/registered"),
        }),
      );
      expect(created.status).toBe(202);
      const collectionId = ((await created.json()) as { job: { id: string } }).job.id;
      const [request] = await receiver.waitForRequests(1, 20_000);
      expect(request?.path).toBe("/registered");
      expect(request?.headers["webhook-signature"]).toMatch(/^v1,/);
      expect(JSON.parse(request?.body ?? "")).toMatchObject({
        type: "collection.failed",
        data: { collectionId },
      });

      // Then, as that user: the registered job to another URL, to the registered URL with another
      // key (which has a secret), a job the API never registered, and a batch watch likewise.
      const keyId = "00000000000000ac";
      const payload = { forged: true };
      const forged = [
        { jobId: collectionId, keyId, url: receiver.url("/forged"), event: "collection.completed", payload },
        {
          jobId: collectionId,
          keyId: "00000000000000ad",
          url: receiver.url("/registered"),
          event: "batch.completed",
          payload,
        },
        {
          jobId: randomBytes(16).toString("hex"),
          keyId,
          url: receiver.url("/forged"),
          event: "batch.completed",
          payload,
        },
      ];
      const ids = [];
      for (const f of forged) ids.push(`deliver.${(await forger.enqueueWebhook(f)).messageId}`);
      const batchId = randomBytes(16).toString("hex");
      await forger.watchBatch({
        batchId,
        keyId,
        url: receiver.url("/forged"),
        items: [{ index: 0, videoId: "aclVideo001", status: 200 }],
        deadline: Date.now() + 60_000,
      });
      ids.push(`batch.${batchId}`);
      for (const id of ids)
        await expect.poll(() => forger.queue.getJobState(id), { timeout: 10_000 }).toBe("failed");
      const refused = (await delivery.metrics.refused.get()).values;
      expect(
        Object.fromEntries(refused.map((v) => [`${v.labels.kind} ${v.labels.reason}`, v.value])),
      ).toEqual({
        "deliver url": 1,
        "deliver key": 1,
        "deliver unregistered": 1,
        "batch unregistered": 1,
      });
      expect(receiver.received.map((r) => r.path)).toEqual(["/registered"]);
      // Nothing was logged as sent for the forged jobs: the collection's log holds its one delivery.
      const log = await redis.hvals(`ytt-origin:${queueName}:webhook-log:${collectionId}`);
      expect(log.map((raw) => JSON.parse(raw).event)).toEqual(["collection.failed"]);
      expect(await redis.exists(`ytt-origin:${queueName}:webhook-log:${forged[2]?.jobId}`)).toBe(0);
    } finally {
      await delivery.close(true);
      await forger.close();
      await receiver.close();
    }
    // The webhooks process read the registrations as its own user, and nobody was refused a command.
    const entries = (await (await admin(q)).acl("LOG")) as string[][];
    expect(entries.map((flat) => flat.join(" "))).toEqual([]);
  }, 60_000);

  /** What ACL DRYRUN says of a command by a user: "OK", or why it is refused. */
  async function allows(r: Running, user: string, ...command: string[]): Promise<boolean> {
    const answer = await (await admin(r)).call("ACL", "DRYRUN", user, ...command);
    return answer === "OK";
  }

  it("keep each origin process to its keys: nonces to the API, the result store written by the worker only", async () => {
    const q = queue();
    const c = cache();
    const prefix = `ytt-origin:${generatedConfigMap(objects, "origin-config", "ytt").data?.QUEUE_NAME}`;
    expect(await allows(q, "origin-api", "SET", `${prefix}:nonce:n`, "1", "EX", "120", "NX")).toBe(true);
    expect(await allows(q, "origin-worker", "SET", `${prefix}:nonce:n`, "1", "EX", "120", "NX")).toBe(false);
    expect(await allows(q, "origin-worker", "ZREM", `${prefix}:inflight`, "job")).toBe(true);
    expect(await allows(q, "origin-worker", "ZREM", `${prefix}:inflight:pro:00000000000000ac`, "job")).toBe(
      true,
    );
    expect(await allows(q, "origin-worker", "GET", `${prefix}:result:x`)).toBe(false);
    // A collection's coordinator keeps its state in the queue's Redis and submits as the API does.
    expect(await allows(q, "origin-worker", "HSET", `${prefix}:collection:c:items`, "0", "v")).toBe(true);
    expect(await allows(c, "origin-worker", "GET", `${prefix}:result:x`)).toBe(true);
    for (const user of ["origin-api", "origin-worker"])
      expect(await allows(q, user, "GET", "other:key"), user).toBe(false);

    expect(await allows(c, "origin-api", "GET", `${prefix}:result:x`)).toBe(true);
    expect(await allows(c, "origin-api", "GET", `${prefix}:blob:x`)).toBe(true);
    expect(await allows(c, "origin-api", "SET", `${prefix}:result:x`, "v")).toBe(false);
    expect(await allows(c, "origin-api", "DEL", `${prefix}:result:x`)).toBe(false);
    expect(await allows(c, "origin-worker", "SET", `${prefix}:blob:x`, "v", "EX", "60")).toBe(true);
    expect(await allows(c, "origin-worker", "SET", "ytt:transcripts:x", "v")).toBe(false);
    expect(await allows(c, "origin-worker", "DEL", `${prefix}:result:x`)).toBe(false);
  });

  it("keep the webhook secrets to the API (writes) and the webhooks process (reads), and that process to its keys", async () => {
    const q = queue();
    const prefix = `ytt-origin:${generatedConfigMap(objects, "origin-config", "ytt").data?.QUEUE_NAME}`;
    const secret = `${prefix}:webhook-secret:00000000000000ac`;
    expect(await allows(q, "origin-api", "SET", secret, "{}")).toBe(true);
    expect(await allows(q, "origin-webhooks", "GET", secret)).toBe(true);
    expect(await allows(q, "origin-webhooks", "SET", secret, "{}")).toBe(false);
    expect(await allows(q, "origin-worker", "GET", secret)).toBe(false);
    expect(await allows(q, "origin-webhooks", "HSET", `${prefix}:webhook-log:job`, "msg", "{}")).toBe(true);
    expect(await allows(q, "origin-webhooks", "EXPIRE", `${prefix}:webhook-log:job`, "60")).toBe(true);
    expect(await allows(q, "origin-api", "HGETALL", `${prefix}:webhook-log:job`)).toBe(true);
    // A job's callback: the API registers it, the webhooks process reads it, the worker cannot touch it.
    const callback = `${prefix}:callback:0123456789abcdef0123456789abcdef`;
    expect(await allows(q, "origin-api", "SET", callback, "{}", "EX", "604800")).toBe(true);
    expect(await allows(q, "origin-webhooks", "GET", callback)).toBe(true);
    for (const command of [
      ["SET", callback, "{}"],
      ["DEL", callback],
      ["EXPIRE", callback, "60"],
    ])
      expect(await allows(q, "origin-webhooks", ...(command as [string])), command.join(" ")).toBe(false);
    for (const command of [
      ["GET", callback],
      ["SET", callback, "{}"],
      ["DEL", callback],
    ])
      expect(await allows(q, "origin-worker", ...(command as [string])), command.join(" ")).toBe(false);
    for (const key of [
      `${prefix}:nonce:n`,
      `${prefix}:inflight`,
      `${prefix}:collection:c:items`,
      "other:key",
    ])
      expect(await allows(q, "origin-webhooks", "GET", key), key).toBe(false);
  });

  it("refuse administrative and dangerous commands to every user", async () => {
    const refused = [
      ["CONFIG", "SET", "maxmemory-policy", "allkeys-lru"],
      ["CONFIG", "GET", "*"],
      ["ACL", "LIST"],
      ["ACL", "SETUSER", "x", "on", "nopass", "+@all", "~*"],
      ["FLUSHALL"],
      ["FLUSHDB"],
      ["KEYS", "*"],
      ["DEBUG", "SLEEP", "0"],
      ["SHUTDOWN"],
      ["MONITOR"],
      ["CLIENT", "KILL", "ID", "1"],
      ["CLIENT", "LIST"],
      ["REPLICAOF", "example.com", "6379"],
      ["MODULE", "LIST"],
      ["SAVE"],
    ];
    for (const [template, r] of Object.entries(running) as [Template, Running][]) {
      for (const user of Object.keys(INTENDED[template]).filter((u) => u !== "default")) {
        for (const command of refused)
          expect(
            await allows(r, user, ...(command as [string])),
            `${template} ${user} ${command.join(" ")}`,
          ).toBe(false);
        expect(await allows(r, user, "PUBLISH", "ytt:events", "x"), `${template} ${user} PUBLISH`).toBe(
          false,
        );
      }
    }
  });

  it("let KEDA's script read the trigger's list lengths, and nothing else", async () => {
    const q = queue();
    const keda = async (...command: string[]) =>
      (
        await run(
          "redis-cli",
          ["-e", "-h", "127.0.0.1", "-p", String(q.port), "--user", "keda", ...command],
          {
            env: { PATH: process.env.PATH, REDISCLI_AUTH: q.passwords.keda },
          },
        )
      ).stdout.trim();
    // A list of the trigger's shape that no BullMQ worker reads.
    const list = "ytt:k8s-acl:wait";
    await (await admin(q)).rpush(list, "a", "b");
    expect(await keda("EVAL", KEDA_SCRIPT, "1", list)).toBe("2");
    // EVAL cached the script: KEDA's client calls it by its SHA-1 first.
    const sha = createHash("sha1").update(KEDA_SCRIPT).digest("hex");
    expect(await keda("EVALSHA", sha, "1", "ytt:transcripts:active")).toMatch(/^\d+$/);
    await expect(
      keda("EVAL", "return redis.call('rpush', KEYS[1], 'x')", "1", "ytt:transcripts:wait"),
    ).rejects.toThrow(/can't run this command/);
    await expect(keda("EVAL", KEDA_SCRIPT, "1", "ytt:transcripts:meta")).rejects.toThrow(/permissions/);
    expect(await allows(q, "keda", "GET", "ytt:transcripts:wait")).toBe(false);
    expect(await allows(q, "keda", "LPUSH", "ytt:transcripts:wait", "x")).toBe(false);
  });

  it("answer the probes' own command as the probe user, and fail it otherwise", async () => {
    for (const [template, r] of Object.entries(running) as [Template, Running][]) {
      const [cli, ...args] = (servers[TEMPLATES[template]] as RedisServer).container.readinessProbe.exec
        .command as string[];
      const probe = (password: string) =>
        run(cli as string, ["-h", "127.0.0.1", "-p", String(r.port), ...args], {
          env: { PATH: process.env.PATH, REDISCLI_AUTH: password },
        });
      expect((await probe(r.passwords.probe as string)).stdout.trim(), template).toBe("PONG");
      await expect(probe("wrong"), template).rejects.toThrow();
      expect(await allows(r, "probe", "GET", "ytt:x"), template).toBe(false);
    }
  });

  it("refuse every connection without a user", async () => {
    for (const r of Object.values(running)) {
      await expect(run("redis-cli", ["-e", "-h", "127.0.0.1", "-p", String(r.port), "ping"])).rejects.toThrow(
        /NOAUTH/,
      );
    }
  });
});
