import { MIN_SECRET_BYTES, secretLongEnough } from "@ytt/shared";
import { z } from "zod";
import { API_KEY_PATTERN, type Plan } from "./auth/keys.js";
import { MCP_MAX_TOKENS } from "./mcp/limits.js";

const seconds = z.coerce.number().int().positive();

/** Every var and secret the Worker reads, validated in one place. */
const ConfigSchema = z
  .object({
    ORIGIN_URL: z.url({ protocol: /^https?$/ }),
    SIGNING_KEY_ID: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/),
    SIGNING_SECRET: z
      .string()
      .refine(secretLongEnough, `SIGNING_SECRET must be ${MIN_SECRET_BYTES} bytes or more`),
    ORIGIN_LINK_KEY_ID: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/),
    ORIGIN_LINK_SECRET: z
      .string()
      .refine(
        (secret) => secret === "" || secretLongEnough(secret),
        `ORIGIN_LINK_SECRET must be empty or ${MIN_SECRET_BYTES} bytes or more`,
      )
      .optional(),
    ACCESS_CLIENT_ID: z.string().optional(),
    ACCESS_CLIENT_SECRET: z.string().optional(),
    ORIGIN_TIMEOUT_MS: z.coerce.number().int().positive(),
    QUOTA_FREE_PER_DAY: z.coerce.number().int().nonnegative(),
    QUOTA_PRO_PER_DAY: z.coerce.number().int().nonnegative(),
    QUOTA_DEMO_PER_DAY: z.coerce.number().int().nonnegative(),
    QUOTA_DEMO_PER_IP_PER_DAY: z.coerce.number().int().nonnegative(),
    DEMO_KEY_ENABLED: z.enum(["true", "false"]),
    DEMO_KEY: z.string().optional(),
    TRANSCRIPT_FRESH_SECONDS: seconds,
    TRANSCRIPT_SWR_SECONDS: seconds,
    TRANSCRIPT_KEEP_SECONDS: seconds,
    FAILURE_TTL_SECONDS: seconds.min(60, "KV expirations are at least 60 seconds"),
    KEY_CACHE_SECONDS: z.coerce.number().int().nonnegative(),
    HOT_CACHE_BYTES: z.coerce
      .number()
      .int()
      .nonnegative()
      .max(64 * 1024 * 1024),
    SERVER_TIMING: z.enum(["true", "false"]),
    MCP_PAGE_TOKENS: z.coerce.number().int().min(MCP_MAX_TOKENS.min).max(MCP_MAX_TOKENS.max),
    MCP_JOB_WAIT_SECONDS: z.coerce.number().int().nonnegative().max(60),
  })
  // One secret for both doors would let a worker, which holds the link key, sign as the edge.
  .refine((v) => v.ORIGIN_LINK_SECRET !== v.SIGNING_SECRET, {
    message: "ORIGIN_LINK_SECRET must not be SIGNING_SECRET",
    path: ["ORIGIN_LINK_SECRET"],
  })
  .refine((v) => v.DEMO_KEY_ENABLED === "false" || (v.DEMO_KEY && API_KEY_PATTERN.test(v.DEMO_KEY)), {
    message: "DEMO_KEY_ENABLED needs a DEMO_KEY shaped like an API key",
    path: ["DEMO_KEY"],
  });

/** The URL without its trailing slashes (a loop: a `/\/+$/` pattern is quadratic on a long run of them). */
function withoutTrailingSlashes(url: string): string {
  let end = url.length;
  while (end > 0 && url[end - 1] === "/") end--;
  return url.slice(0, end);
}

export interface Config {
  originUrl: string;
  signingKey: { id: string; secret: string };
  /** The key the origin signs its calls to the edge with (EDGE_ANSWERS_PATH); none: the edge takes none. */
  originLinkKey: { id: string; secret: string } | undefined;
  access: { clientId: string; clientSecret: string } | undefined;
  originTimeoutMs: number;
  dailyQuota: Record<Plan | "demo", number>;
  /** The shared key the web page may use (plan "demo"), when the operator enables it. */
  demoKey: string | undefined;
  /** Each client address's daily share of the demo key (an IPv6 address counted by its /64). */
  demoQuotaPerAddress: number;
  ttl: { freshSeconds: number; swrSeconds: number; keepSeconds: number; failureSeconds: number };
  /** How long the isolate remembers a key record, or that a key is unknown (0: not at all). */
  keyCacheSeconds: number;
  /** How many bytes of renderings each isolate keeps in memory for hits (0: none; the Cache API still answers). */
  hotCacheBytes: number;
  /** Whether answers carry Server-Timing (binding calls timed; the bench reads it). */
  serverTiming: boolean;
  mcp: {
    /** get_transcript's page budget when the call gives no maxTokens. */
    pageTokens: number;
    /** How long a tool call waits for a job the origin answered 202 for, before answering EXTRACTION_PENDING. */
    jobWaitSeconds: number;
  };
}

const parsed = new WeakMap<Env, Config>();

/** The typed config for this env; parsed once per env object (one per isolate in production). */
export function configFrom(env: Env): Config {
  const cached = parsed.get(env);
  if (cached) return cached;
  const result = ConfigSchema.safeParse(env);
  if (!result.success) {
    // Names only: values may be secrets.
    const fields = result.error.issues.map((i) => i.path.join(".")).join(", ");
    throw new Error(`edge-worker misconfigured: ${fields}`);
  }
  const v = result.data;
  const config: Config = {
    originUrl: withoutTrailingSlashes(v.ORIGIN_URL),
    signingKey: { id: v.SIGNING_KEY_ID, secret: v.SIGNING_SECRET },
    originLinkKey: v.ORIGIN_LINK_SECRET
      ? { id: v.ORIGIN_LINK_KEY_ID, secret: v.ORIGIN_LINK_SECRET }
      : undefined,
    access:
      v.ACCESS_CLIENT_ID && v.ACCESS_CLIENT_SECRET
        ? { clientId: v.ACCESS_CLIENT_ID, clientSecret: v.ACCESS_CLIENT_SECRET }
        : undefined,
    originTimeoutMs: v.ORIGIN_TIMEOUT_MS,
    dailyQuota: { free: v.QUOTA_FREE_PER_DAY, pro: v.QUOTA_PRO_PER_DAY, demo: v.QUOTA_DEMO_PER_DAY },
    demoKey: v.DEMO_KEY_ENABLED === "true" ? v.DEMO_KEY : undefined,
    demoQuotaPerAddress: v.QUOTA_DEMO_PER_IP_PER_DAY,
    ttl: {
      freshSeconds: v.TRANSCRIPT_FRESH_SECONDS,
      swrSeconds: v.TRANSCRIPT_SWR_SECONDS,
      keepSeconds: v.TRANSCRIPT_KEEP_SECONDS,
      failureSeconds: v.FAILURE_TTL_SECONDS,
    },
    keyCacheSeconds: v.KEY_CACHE_SECONDS,
    hotCacheBytes: v.HOT_CACHE_BYTES,
    serverTiming: v.SERVER_TIMING === "true",
    mcp: { pageTokens: v.MCP_PAGE_TOKENS, jobWaitSeconds: v.MCP_JOB_WAIT_SECONDS },
  };
  parsed.set(env, config);
  return config;
}
