import { readFileSync } from "node:fs";
import { type CallerPlan, MIN_SECRET_BYTES, secretLongEnough } from "@ytt/shared";
import { z } from "zod";
import { DEFAULT_STATIC_CACHE_MAX_BYTES } from "./browser/static-cache.js";
import { isChromeUserAgent } from "./browser/user-agent.js";
import { KNOWN_CLIENT_NAMES } from "./extract/innertube/clients.js";
import { type HostRules, parseHostRules } from "./upstream/host-rules.js";

/** "keyId:secret[,keyId:secret]": several keys let the edge rotate its signing secret without downtime. */
const SigningKeysSchema = z
  .string()
  .min(1, "is required")
  .transform((value, ctx) => {
    const keys = new Map<string, string>();
    for (const entry of value.split(",")) {
      const at = entry.indexOf(":");
      const id = entry.slice(0, at).trim();
      const secret = entry.slice(at + 1).trim();
      if (at <= 0 || !id || !secretLongEnough(secret)) {
        ctx.addIssue({
          code: "custom",
          message: `entries are keyId:secret, secrets of ${MIN_SECRET_BYTES} bytes or more`,
        });
        return z.NEVER;
      }
      keys.set(id, secret);
    }
    return keys;
  });

function isLoopbackUrl(url: string): boolean {
  const host = new URL(url).hostname;
  return host === "localhost" || host === "[::1]" || host.startsWith("127.");
}

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v?.trim() ? v.trim() : undefined));
/** "ANDROID,IOS": the innertube fallback clients in the order they are tried; empty: no fallback. */
const InnertubeClientsSchema = z
  .string()
  .default("ANDROID")
  .transform((value) =>
    value
      .split(",")
      .map((name) => name.trim().toUpperCase())
      .filter(Boolean),
  )
  .refine((names) => names.every((name) => KNOWN_CLIENT_NAMES.includes(name)), {
    message: `known clients: ${KNOWN_CLIENT_NAMES.join(", ")}`,
  })
  .refine((names) => new Set(names).size === names.length, "a client is listed twice");

/** Chromium --host-resolver-rules syntax, refused whole when a rule cannot be read. */
const HostRulesSchema = optionalString.superRefine((v, ctx) => {
  try {
    if (v !== undefined) parseHostRules(v);
  } catch (error) {
    ctx.addIssue({ code: "custom", message: (error as Error).message });
  }
});

/** The names RFC 2606 and RFC 6761 keep out of public DNS: no real customer's host is one of them. */
const TEST_NAME = /^(?:[a-z0-9-]+\.)*(?:[a-z0-9-]+\.(?:test|example|invalid|localhost)|localhost)$/;

/**
 * WEBHOOK_HOST_RULES: a rule sends a callback host past the public-address check, so every pattern
 * must be one exact reserved test name (`hooks.ytt.test`). A wildcard (`MAP * 10.0.0.1:443`) or a
 * real name would reroute customers' callbacks in production: refused at start-up, not warned
 * about. The value is never echoed (it names internal addresses).
 */
const WebhookHostRulesSchema = optionalString.superRefine((v, ctx) => {
  if (v === undefined) return;
  let rules: HostRules;
  try {
    rules = parseHostRules(v);
  } catch {
    ctx.addIssue({ code: "custom", message: "a rule cannot be read (Chromium host-resolver-rules syntax)" });
    return;
  }
  const patterns = [...rules.maps.map((m) => m.pattern), ...rules.excludes];
  if (!patterns.every((pattern) => TEST_NAME.test(pattern))) {
    ctx.addIssue({
      code: "custom",
      message: "test-only: each pattern must be one exact name under .test, .example, .invalid or localhost",
    });
  }
});

const ms = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const seconds = ms;

/**
 * What the extraction engine reads (see extract/from-config.ts): the worker, the extract CLI and the
 * canary build the same engine from it, and the tools need none of the worker's other settings.
 */
export const EngineConfigSchema = z.object({
  YOUTUBE_ORIGIN: z.string().url().default("https://www.youtube.com"),
  CHROMIUM_PATH: optionalString,
  /**
   * The proxy pool: comma-separated http://user:pass@host:port, https://…, socks5://… (one job, one
   * proxy), or PROXY_URLS_FILE, one per line; neither: straight out. Checked here, never echoed.
   */
  PROXY_URLS: optionalString,
  PROXY_URLS_FILE: optionalString,
  /** A refused, unreachable or blocked proxy sits out this long, doubled per strike in a row, up to the max. */
  PROXY_QUARANTINE_BASE_MS: ms(60_000),
  PROXY_QUARANTINE_MAX_MS: ms(1_800_000),
  /** A Chrome User-Agent (the browser is Chromium; its client hints are made to agree with it). */
  BROWSER_USER_AGENT: optionalString.refine(
    (v) => v === undefined || isChromeUserAgent(v),
    "must be a Chrome User-Agent (with Chrome/<version>)",
  ),
  BROWSER_LOCALE: z.string().default("en-US"),
  NAVIGATION_TIMEOUT_MS: ms(20_000),
  /** How long the player route waits for the pot on the track's URL before the next route goes. */
  POT_TIMEOUT_MS: ms(5_000),
  JOB_TIMEOUT_MS: ms(45_000),
  BROWSER_RECYCLE_AFTER_JOBS: z.coerce.number().int().positive().default(200),
  /** Bytes of YouTube's versioned static files a worker keeps for its later jobs; 0 turns the cache off. */
  STATIC_CACHE_MAX_BYTES: z.coerce.number().int().min(0).default(DEFAULT_STATIC_CACHE_MAX_BYTES),
  /**
   * Test-only: Chromium --host-resolver-rules syntax (e.g. "MAP * 127.0.0.1:8443") for the browser and
   * every request the worker makes itself, so that the real hostnames reach the YouTube double.
   */
  UPSTREAM_HOST_RULES: HostRulesSchema,
  /** Test-only: base64 SHA-256 of the one server public key the browser trusts besides the system's (the double's). */
  UPSTREAM_TRUSTED_SPKI: optionalString.refine(
    (v) => v === undefined || /^[A-Za-z0-9+/]{43}=$/.test(v),
    "must be a base64 SHA-256 hash (44 characters)",
  ),
  INNERTUBE_CLIENTS: InnertubeClientsSchema,
  /** Consecutive route failures after which a route is skipped for ROUTE_COOLDOWN_MS. */
  ROUTE_FAILURE_THRESHOLD: z.coerce.number().int().positive().default(5),
  ROUTE_COOLDOWN_MS: ms(300_000),
});

export type EngineConfig = z.output<typeof EngineConfigSchema>;

const PROXY_PROTOCOLS = ["http:", "https:", "socks4:", "socks5:", "socks5h:"];

/**
 * The proxy pool's URLs, from PROXY_URLS or PROXY_URLS_FILE (blank lines and # comments skipped).
 * A bad entry is named by its position only: the URL holds a password.
 */
export function proxyUrls(config: Pick<EngineConfig, "PROXY_URLS" | "PROXY_URLS_FILE">): string[] {
  if (config.PROXY_URLS && config.PROXY_URLS_FILE) {
    throw new Error("invalid origin configuration: set PROXY_URLS or PROXY_URLS_FILE, not both");
  }
  const entries = config.PROXY_URLS_FILE
    ? readFileSync(config.PROXY_URLS_FILE, "utf8")
        .split("\n")
        .map((line) => line.trim())
        .filter((line) => line && !line.startsWith("#"))
    : (config.PROXY_URLS ?? "")
        .split(",")
        .map((entry) => entry.trim())
        .filter(Boolean);
  entries.forEach((entry, i) => {
    const url = URL.canParse(entry) ? new URL(entry) : undefined;
    if (!url || !PROXY_PROTOCOLS.includes(url.protocol) || !url.hostname || !url.port) {
      throw new Error(
        `invalid origin configuration: proxy ${i + 1} is not a proxy URL (${PROXY_PROTOCOLS.join(" ")} with host and port)`,
      );
    }
  });
  return entries;
}

/** What both origin processes (API and worker) read: where the queue and the result store are. */
const QueueConfigSchema = z.object({
  REDIS_URL: z.string().url().default("redis://127.0.0.1:6379"),
  /** The result store's Redis; unset: the queue's. In production its own, with allkeys-lru (k8s/). */
  RESULT_REDIS_URL: optionalString.pipe(z.string().url().optional()),
  QUEUE_NAME: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/)
    .default("transcripts"),
  JOB_ATTEMPTS: z.coerce.number().int().positive().max(10).default(4),
  /** How long an admitted job holds its backlog and caller places if no worker gives them back. */
  ADMISSION_LEASE_SECONDS: seconds(3600),
  /** How long a finished job (and so GET /v1/jobs/:id, a collection's items included) stays retrievable. */
  JOB_RESULT_TTL_SECONDS: seconds(3600),
  /** Jobs in flight (queued, running, waiting to retry) for everyone together. */
  MAX_BACKLOG: z.coerce.number().int().positive().default(1000),
  /**
   * Jobs in flight one API key may have created, by plan: one caller cannot fill the backlog. The
   * worker reads them too: a collection's coordinator admits its videos within half of them.
   */
  MAX_PENDING_FREE: z.coerce.number().int().positive().default(10),
  MAX_PENDING_PRO: z.coerce.number().int().positive().default(100),
  MAX_PENDING_DEMO: z.coerce.number().int().positive().default(20),
  ORIGIN_HOST: z.string().default("0.0.0.0"),
  OPS_PORT: z.coerce.number().int().min(0).max(65535).default(9090),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

export type QueueConfig = z.output<typeof QueueConfigSchema>;

/** The origin API's configuration: it verifies the edge's signatures, admits and queues jobs. */
export const ApiConfigSchema = QueueConfigSchema.extend({
  ORIGIN_PORT: z.coerce.number().int().min(0).max(65535).default(8788),
  SIGNING_KEYS: SigningKeysSchema,
  SIGNATURE_MAX_SKEW_SECONDS: seconds(60),
  ACCESS_CLIENT_ID: optionalString,
  ACCESS_CLIENT_SECRET: optionalString,
  WAIT_BUDGET_MS: ms(25_000).refine((v) => v <= 90_000, "must stay under the edge's 100 s origin limit"),
});

export type ApiConfig = z.output<typeof ApiConfigSchema>;

/** The worker's configuration: the engine's and the queue's, and no signing secrets (it verifies nothing). */
export const WorkerConfigSchema = EngineConfigSchema.extend(QueueConfigSchema.shape).extend({
  RESULT_TTL_SECONDS: seconds(86_400),
  FAILURE_TTL_SECONDS: seconds(3600),
  WORKER_CONCURRENCY: z.coerce.number().int().positive().max(16).default(2),
  RETRY_BASE_DELAY_MS: ms(2000),
  /** How long the whole queue pauses when YouTube answers 429 or a bot check. */
  BLOCKED_PAUSE_MS: ms(30_000),
  SHUTDOWN_GRACE_MS: ms(30_000),
  /** A worker holding a job renews its lock; a killed one loses it after this long and the job runs elsewhere. */
  LOCK_DURATION_MS: ms(30_000),
  STALLED_INTERVAL_MS: ms(15_000),
  /** How long a collection's coordinator waits between passes (noting finished videos, feeding more). */
  COLLECTION_PASS_MS: ms(1000),
  /**
   * Items one pass looks at, at most: stored videos take no place in flight, so without it one pass
   * could walk a whole 5,000-video collection while holding its worker slot.
   */
  COLLECTION_PASS_ITEMS: z.coerce.number().int().positive().default(200),
  /**
   * The edge's public URL: a collection asks it which of its videos the edge's store holds (for
   * weeks, where the origin keeps them a day), and extracts none of those. Unset: its own store only.
   */
  EDGE_URL: optionalString.pipe(
    z
      .url({ protocol: /^https?$/ })
      // The signature covers the request, not the answer: only TLS keeps the transcripts the edge
      // hands over, which the origin then serves, from being changed on the way. Plain http: loopback only.
      .refine(
        (url) => url.startsWith("https:") || isLoopbackUrl(url),
        "must be https (http for loopback only)",
      )
      .optional(),
  ),
  /** "keyId:secret", those calls' signing key: the edge's ORIGIN_LINK_KEY_ID and ORIGIN_LINK_SECRET. */
  EDGE_LINK_KEY: optionalString.pipe(SigningKeysSchema.optional()),
});

export type WorkerConfig = z.output<typeof WorkerConfigSchema>;

/**
 * The wait before each retry of a webhook delivery, in ms, comma-separated: a delivery is tried once,
 * then once after each. The default, Standard Webhooks' kind of schedule: 5 s, 5 min, 30 min, 2 h,
 * 5 h, 8 h, 8 h, retrying for 23.6 hours.
 */
const RetryDelaysSchema = z
  .string()
  .default("5000,300000,1800000,7200000,18000000,28800000,28800000")
  .transform((value) => value.split(",").map((entry) => Number(entry.trim())))
  .refine((delays) => delays.length >= 1 && delays.length <= 20, "1 to 20 delays")
  .refine(
    (delays) => delays.every((d) => Number.isInteger(d) && d > 0),
    "each delay a positive integer (ms)",
  );

/**
 * The webhooks process (webhooks/main.ts): the only origin process that reaches arbitrary hosts, so
 * it holds no signing keys and runs no browser; it reads the queue Redis only.
 */
export const WebhooksConfigSchema = QueueConfigSchema.extend({
  WEBHOOK_RETRY_DELAYS_MS: RetryDelaysSchema,
  /** One attempt, from connecting to the receiver's status line. */
  WEBHOOK_TIMEOUT_MS: ms(10_000),
  WEBHOOK_CONCURRENCY: z.coerce.number().int().positive().max(64).default(8),
  /** How often a batch's webhook looks whether the batch's items have finished. */
  WEBHOOK_BATCH_POLL_MS: ms(5000),
  /**
   * Test-only: Chromium --host-resolver-rules syntax (e.g. "MAP hooks.example.test 127.0.0.2:8443"):
   * a callback host a rule maps is connected to the rule's target WITHOUT the public-address check,
   * so tests can reach a receiver on loopback. Only exact reserved test names may be mapped; the
   * process also warns when it is set.
   */
  WEBHOOK_HOST_RULES: WebhookHostRulesSchema,
  /** Its own name: the shared ConfigMap's SHUTDOWN_GRACE_MS is the workers' (a browser job's length). */
  WEBHOOK_SHUTDOWN_GRACE_MS: ms(15_000),
});

export type WebhooksConfig = z.output<typeof WebhooksConfigSchema>;

/** The per-plan bounds of jobs in flight, as the queue takes them. */
export function pendingPerCaller(config: QueueConfig): Record<CallerPlan, number> {
  return { free: config.MAX_PENDING_FREE, pro: config.MAX_PENDING_PRO, demo: config.MAX_PENDING_DEMO };
}

type Env = Record<string, string | undefined>;

/**
 * The canary's settings (src/cli/canary.ts): the engine's, and where its video list and Pushgateway are.
 * Unset CANARY_VIDEOS_FILE: the list in the repository (origin-worker/canary/videos.txt).
 */
export const CanaryConfigSchema = EngineConfigSchema.extend({
  CANARY_VIDEOS_FILE: optionalString,
  /** e.g. http://prometheus-pushgateway.monitoring.svc.cluster.local:9091; unset: nothing is pushed. */
  CANARY_PUSHGATEWAY_URL: optionalString.pipe(z.string().url().optional()),
});

export type CanaryConfig = z.output<typeof CanaryConfigSchema>;

/** Every problem of the environment in one message, values never echoed (they may be secrets). */
function parseEnv<S extends z.ZodType>(schema: S, env: Env): z.output<S> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new Error(`invalid origin configuration: ${problems}`);
  }
  return parsed.data;
}

/** Parses the API's environment; a bad value stops the process with every problem listed (secrets are never echoed). */
export function loadApiConfig(env: Env = process.env): ApiConfig {
  const config = parseEnv(ApiConfigSchema, env);
  if (Boolean(config.ACCESS_CLIENT_ID) !== Boolean(config.ACCESS_CLIENT_SECRET)) {
    throw new Error(
      "invalid origin configuration: set both ACCESS_CLIENT_ID and ACCESS_CLIENT_SECRET, or neither",
    );
  }
  return config;
}

/** The worker's environment: no SIGNING_KEYS. */
export function loadWorkerConfig(env: Env = process.env): WorkerConfig {
  const config = withCheckedProxies(parseEnv(WorkerConfigSchema, env));
  if (Boolean(config.EDGE_URL) !== Boolean(config.EDGE_LINK_KEY) || (config.EDGE_LINK_KEY?.size ?? 1) !== 1) {
    throw new Error(
      "invalid origin configuration: set EDGE_URL and EDGE_LINK_KEY (one keyId:secret) together, or neither",
    );
  }
  return config;
}

/** The proxy list is checked at start-up with the rest, though a file may hold it. */
function withCheckedProxies<C extends EngineConfig>(config: C): C {
  proxyUrls(config);
  return config;
}

/** The webhooks process's environment: the queue Redis and the delivery settings, no secrets of ours. */
export function loadWebhooksConfig(env: Env = process.env): WebhooksConfig {
  return parseEnv(WebhooksConfigSchema, env);
}

/** The engine's part of the environment only (the extract CLI): no SIGNING_KEYS, no Redis. */
export function loadEngineConfig(env: Env = process.env): EngineConfig {
  return withCheckedProxies(parseEnv(EngineConfigSchema, env));
}

export function loadCanaryConfig(env: Env = process.env): CanaryConfig {
  return withCheckedProxies(parseEnv(CanaryConfigSchema, env));
}
