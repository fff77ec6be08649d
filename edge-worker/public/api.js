// @ts-check
/**
 * The public API as the page uses it: authenticated fetches, and the 202 → job polling loop.
 * Every failure becomes an ApiFailure carrying the API's error body (or a network stand-in).
 */

const MIN_POLL_SECONDS = 1;
const MAX_POLL_SECONDS = 10;
/** A job that runs this long is given up on; the origin's own job timeout is far shorter. */
const MAX_WAIT_MS = 5 * 60_000;
/** A collection of 100 videos takes minutes; the page stops following one after this (the job goes on). */
const MAX_COLLECTION_WAIT_MS = 60 * 60_000;
/** A status poll that fails in transit (dropped connection, a 5xx) is tried again this often before giving up. */
const POLL_TRANSIENT_FAILURES = 3;
/** A status poll answers at once (it never waits for the job): one that hangs this long is dropped. */
const POLL_TIMEOUT_MS = 10_000;

/**
 * The `error` object of the API's error bodies.
 * @typedef {{ code: string, message: string, retryable?: boolean, details?: Record<string, unknown> }} ApiErrorBody
 */
/**
 * @typedef {object} GetOptions
 * @property {AbortSignal} [signal]
 * @property {(p: { status: string, elapsedMs: number }) => void} [onProgress]
 */

export class ApiFailure extends Error {
  /**
   * @param {number} status HTTP status, 0 when the request never got an answer
   * @param {ApiErrorBody} error
   * @param {string | null} retryAfter the Retry-After header, if any
   * @param {string} [requestId] the API's request id, worth quoting in a support question
   */
  constructor(status, error, retryAfter = null, requestId = undefined) {
    super(error.message);
    this.status = status;
    this.code = error.code;
    this.details = error.details ?? {};
    this.retryable = error.retryable ?? false;
    this.retryAfter = retryAfter;
    this.requestId = requestId;
  }
}

export class ApiClient {
  /** @param {() => string | undefined} key reads the current API key */
  constructor(key) {
    this.key = key;
  }

  /**
   * GET an API path. A 202 is followed to its job; `onProgress` hears each job state.
   * Resolves with the Response of the final successful answer.
   * @param {string} path
   * @param {GetOptions} [options]
   */
  async get(path, { signal, onProgress } = {}) {
    const started = Date.now();
    const response = await this.#fetch(path, signal);
    if (response.status !== 202) return response;
    const report = (/** @type {string} */ status) =>
      onProgress?.({ status, elapsedMs: Date.now() - started });
    const job = await this.#follow(
      response,
      (job) => job.job.statusUrl,
      MAX_WAIT_MS,
      signal,
      (job) => report(job.job.status),
    );
    if (job.job.status === "failed")
      throw new ApiFailure(502, job.error ?? unknownError(), null, job.requestId);
    report("completed");
    // The finished job's result is the JSON body; other renderings are asked again (now a cache hit).
    return this.#fetch(path, signal);
  }

  /**
   * Creates a collection job (POST /v1/collections) and follows it to its end; `onProgress` hears
   * each state of it, with its progress and items. Resolves with the finished job.
   * @param {Record<string, unknown>} request
   * @param {{ signal?: AbortSignal, onProgress?: (job: any) => void }} [options]
   * @returns {Promise<any>} the job body (JobBody with a collection's fields)
   */
  async collection(request, { signal, onProgress } = {}) {
    const init = { method: "POST", body: JSON.stringify(request) };
    const response = await this.#fetch("/v1/collections", signal, undefined, init);
    // Every item on one page: the page shows them all.
    const job = await this.#follow(
      response,
      (job) => `${job.job.statusUrl}?limit=1000`,
      MAX_COLLECTION_WAIT_MS,
      signal,
      (job) => onProgress?.(job),
    );
    onProgress?.(job);
    return job;
  }

  /**
   * Polls the job a 202 answered with until it is completed or failed; `onPending` hears each state
   * before that. A poll that fails in transit is tried again: the job runs on whatever happened to it.
   * @param {Response} response the 202
   * @param {(job: any) => string} pollPath
   * @param {number} maxWaitMs
   * @param {AbortSignal | undefined} signal
   * @param {(job: any) => void} onPending
   * @returns {Promise<any>} the finished job's body
   */
  async #follow(response, pollPath, maxWaitMs, signal, onPending) {
    const started = Date.now();
    let job = await response.json();
    let retryAfter = response.headers.get("Retry-After");
    let transientFailures = 0;
    while (job.job.status !== "completed" && job.job.status !== "failed") {
      onPending(job);
      if (Date.now() - started > maxWaitMs) {
        throw new ApiFailure(504, {
          code: "UPSTREAM_TIMEOUT",
          message: "The job did not finish in time.",
          retryable: true,
        });
      }
      await sleep(pollDelaySeconds(retryAfter) * 1000, signal);
      let answer;
      try {
        answer = await this.#fetch(pollPath(job), signal, POLL_TIMEOUT_MS);
      } catch (e) {
        if (!isTransient(e) || ++transientFailures > POLL_TRANSIENT_FAILURES) throw e;
        retryAfter = null;
        continue;
      }
      transientFailures = 0;
      job = await answer.json();
      retryAfter = answer.headers.get("Retry-After");
    }
    return job;
  }

  /**
   * GET and parse JSON.
   * @param {string} path
   * @param {GetOptions} [options]
   * @returns {Promise<any>} the body as sent: callers say what they expect of it
   */
  async json(path, options) {
    return (await this.get(path, options)).json();
  }

  /**
   * @param {string} path
   * @param {AbortSignal} [signal]
   * @param {number} [timeoutMs]
   * @param {{ method: string, body: string }} [init] a POST with a JSON body; a GET without
   */
  async #fetch(path, signal, timeoutMs, init) {
    /** @type {Record<string, string>} */
    const headers = { Accept: "application/json" };
    if (init) headers["Content-Type"] = "application/json";
    const key = this.key();
    if (key) headers.Authorization = `Bearer ${key}`;
    let response;
    try {
      const limits = [signal, timeoutMs ? AbortSignal.timeout(timeoutMs) : undefined].filter(
        (limit) => limit !== undefined,
      );
      response = await fetch(path, { ...init, headers, signal: AbortSignal.any(limits), cache: "no-store" });
    } catch (e) {
      if (signal?.aborted) throw e;
      throw new ApiFailure(0, {
        code: "NETWORK",
        message: "The service could not be reached.",
        retryable: true,
      });
    }
    if (response.ok) return response;
    const { error, requestId } = await errorOf(response);
    throw new ApiFailure(response.status, error, response.headers.get("Retry-After"), requestId);
  }
}

/**
 * @param {Response} response
 * @returns {Promise<{ error: ApiErrorBody, requestId: string | undefined }>}
 */
async function errorOf(response) {
  try {
    const body = await response.json();
    if (body?.error?.code) return body;
  } catch {
    // Not JSON: a proxy's error page, for instance.
  }
  return { error: unknownError(`The service answered HTTP ${response.status}.`), requestId: undefined };
}

/** @returns {ApiErrorBody} */
function unknownError(message = "Something went wrong.") {
  return { code: "UNKNOWN", message, retryable: true };
}

/**
 * A failure in transit or on the server side that the same request may not meet again.
 * @param {unknown} error
 */
export function isTransient(error) {
  return error instanceof ApiFailure && (error.status === 0 || error.status >= 500) && error.retryable;
}

/** @param {string | null} retryAfter */
function pollDelaySeconds(retryAfter) {
  const seconds = Number(retryAfter);
  if (!Number.isFinite(seconds)) return MIN_POLL_SECONDS;
  return Math.min(MAX_POLL_SECONDS, Math.max(MIN_POLL_SECONDS, seconds));
}

/**
 * @param {number} ms
 * @param {AbortSignal} [signal]
 * @returns {Promise<void>}
 */
function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}

/**
 * The API path of a video's transcript (or its language list) with query parameters.
 * @param {string} video
 * @param {Record<string, string | undefined>} [params]
 */
export function transcriptPath(video, params = {}, suffix = "") {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value) query.set(name, value);
  const q = query.toString();
  return `/v1/transcripts/${encodeURIComponent(video)}${suffix}${q ? `?${q}` : ""}`;
}
