import { base64url, hmac, type JobKind, timingSafeEqual } from "@ytt/shared";
import type { Caller } from "../app-env.js";
import type { Config } from "../config.js";

/**
 * What a client polls instead of the origin's job id (a request hash anyone can compute): the id,
 * its kind and an expiry, with an HMAC over them and the API key that created or joined the job.
 * Nobody can guess one, and another key's poll of it is a 404 like any unknown job. Stateless:
 * handing one out writes nothing.
 *
 *   <t|l|c>.<32 hex job id>.<expiry, Unix seconds in base 36>.<43 base64url HMAC-SHA-256>
 *
 * (t: a transcript, l: a language list, c: a collection.)
 */
export const JOB_TOKEN = /^[tlc]\.[0-9a-f]{32}\.[0-9a-z]{1,8}\.[\w-]{43}$/;

/** As long as the origin keeps a finished job (its JOB_RESULT_TTL_SECONDS default). */
const TOKEN_LIFETIME_SECONDS = 3600;
/** Tokens get their own key, derived from the signing secret, so neither MAC can stand for the other. */
const TOKEN_KEY_LABEL = "ytt job tokens v1";

export interface JobRef {
  jobId: string;
  kind: JobKind | "collection";
}

/** A token read back: the job, and when the token was handed out. */
export interface IssuedJob extends JobRef {
  kind: JobKind;
  issuedAt: number;
}

/** A collection's token read back (POST /v1/collections): its status is always the origin's. */
export interface IssuedCollection extends JobRef {
  kind: "collection";
  issuedAt: number;
}

const KIND_LETTERS = { transcript: "t", languages: "l", collection: "c" } as const;
const KINDS = { t: "transcript", l: "languages", c: "collection" } as const;

async function mac(config: Config, caller: Caller, body: string): Promise<string> {
  const key = base64url(await hmac(config.signingKey.secret, TOKEN_KEY_LABEL));
  return base64url(await hmac(key, `${body}|${caller.keyHash}`));
}

export async function issueJobToken(
  config: Config,
  caller: Caller,
  job: JobRef,
  now = Date.now(),
): Promise<string> {
  const expiry = Math.floor(now / 1000) + TOKEN_LIFETIME_SECONDS;
  const body = `${KIND_LETTERS[job.kind]}.${job.jobId}.${expiry.toString(36)}`;
  return `${body}.${await mac(config, caller, body)}`;
}

/** The job a token names, if this caller was given it and it has not expired. */
export async function readJobToken(
  config: Config,
  caller: Caller,
  token: string,
  now = Date.now(),
): Promise<IssuedJob | IssuedCollection | undefined> {
  if (!JOB_TOKEN.test(token)) return undefined;
  const [kind, jobId, expiry, given] = token.split(".") as [keyof typeof KINDS, string, string, string];
  const expected = await mac(config, caller, `${kind}.${jobId}.${expiry}`);
  if (!timingSafeEqual(expected, given)) return undefined;
  const expiresAt = Number.parseInt(expiry, 36) * 1000;
  if (expiresAt < now) return undefined;
  const issuedAt = expiresAt - TOKEN_LIFETIME_SECONDS * 1000;
  return { jobId, kind: KINDS[kind], issuedAt } as IssuedJob | IssuedCollection;
}
