import {
  ApiError,
  type CollectionInfo,
  type CollectionRef,
  requestHash,
  type WorkRequest,
} from "@ytt/shared";
import { DelayedError, type Job, UnrecoverableError } from "bullmq";
import type { Engine } from "../extract/index.js";
import type { Logger } from "../observability/logger.js";
import { decodeFailure, encodeFailure, failureOutcome } from "../queue/outcome.js";
import {
  BATCH_PRIORITY,
  type CollectionJobData,
  type CollectionOrder,
  type JobReturn,
  type JobSubmitter,
} from "../queue/queue.js";
import { resetStalls } from "../queue/stalls.js";
import type { WebhookOutbox } from "../webhooks/outbox.js";
import type { EdgeLink } from "./edge-link.js";
import type { CollectionListing } from "./expand.js";
import type { CollectionStore, ItemEnd, StoredItem } from "./state.js";

export interface CoordinatorOptions {
  submitter: JobSubmitter;
  store: CollectionStore;
  engine: Pick<Engine, "expand">;
  /** Where a collection with a callbackUrl enqueues its webhook when it ends (webhooks/outbox.ts). */
  outbox: Pick<WebhookOutbox, "enqueueWebhook">;
  /** How long the coordinator waits between passes while its videos are in flight. */
  passDelayMs: number;
  /** Items a pass submits or finds stored, at most (COLLECTION_PASS_ITEMS); the next pass carries on. */
  passItems: number;
  /** How long a collection's state outlives its last change (the job's own retention). */
  stateTtlSeconds: number;
  /**
   * The edge (EDGE_URL): its store asked for the videos the origin's no longer holds, the charge
   * settled once listed. Absent: neither.
   */
  edgeLink?: Pick<EdgeLink, "lookup" | "settleCharge"> | undefined;
  /** How long an answer the edge held is kept in the origin's store: as the worker keeps its own. */
  resultTtlSeconds: number;
  failureTtlSeconds: number;
  log: Logger;
}

/** Items read from the store at a time while feeding. */
const READ_CHUNK = 50;
/**
 * Passes in a row that may fail (Redis or BullMQ away) before the collection fails: each waits
 * twice as long as the one before, from the pass delay up to MAX_PASS_BACKOFF_MS, about 13 minutes
 * in all with a 1 s pass. BullMQ's attempts (JOB_ATTEMPTS) are not spent on them: they would add up
 * over the collection's whole life, and four blips in hours would fail it.
 */
const MAX_FAILED_PASSES = 10;
/**
 * Passes a collection whose videos are all done makes, at most, for a settlement the edge has not
 * taken yet (each after twice the wait of the one before: 31 pass delays in all), before it ends
 * keeping the whole charge. While its videos run, every pass tries.
 */
const MAX_SETTLEMENT_WAITS = 5;
const MAX_PASS_BACKOFF_MS = 300_000;

/**
 * The share of a key's places in flight its collections may fill, together: half, at least one. The
 * key's own requests (and its other work) always find the other half, however large the collection.
 */
export function collectionShare(perCaller: number): number {
  return Math.max(1, Math.floor(perCaller / 2));
}

function infoOf(ref: CollectionRef, listing: CollectionListing): CollectionInfo {
  return {
    type: ref.type,
    id: listing.id,
    title: listing.title,
    ...(listing.tab ? { tab: listing.tab } : {}),
    truncated: listing.truncated,
  };
}

function workOf(order: CollectionOrder, videoId: string): WorkRequest {
  return { kind: "transcript", request: { ...order.request, videoId } };
}

/** Admission said no: the key's share (or the whole backlog) is full, so the feeding waits for a pass. */
function isRefusal(error: unknown): boolean {
  return error instanceof ApiError && (error.code === "TOO_MANY_PENDING" || error.code === "QUEUE_FULL");
}

/**
 * A collection job, run as a series of short passes of one BullMQ job (BullMQ's "process step
 * jobs" pattern): list the collection once, then on each pass note which videos' jobs have ended
 * and submit more, each as the ordinary transcript request it is (so a stored video costs no
 * extraction and one already being extracted is joined), while the key's share of places admits
 * them. Between passes the job waits delayed, holding no worker slot. All of it lives in Redis
 * (state.ts): a worker killed mid-pass leaves the job to stall back to another worker, which
 * resumes from there.
 */
export function collectionCoordinator(options: CoordinatorOptions) {
  const { submitter, store, engine, outbox, edgeLink, stateTtlSeconds: ttl } = options;

  /**
   * The collection's webhook, when it asked for one: `collectionId` is the id inside the client's
   * job token (its second part). Enqueueing is idempotent per job and event, so a pass run again
   * after a crash sends it once.
   */
  async function notify(
    job: Job<CollectionJobData, JobReturn>,
    event: "completed" | "failed",
    payload: object,
  ) {
    const url = job.data.collection.callbackUrl;
    if (!url) return;
    const id = job.id as string;
    await outbox.enqueueWebhook({
      jobId: id,
      keyId: job.data.caller.keyId,
      url,
      event: `collection.${event}`,
      payload: { collectionId: id, status: event, ...payload },
    });
  }

  /** Records how the collection ended (GET /v1/jobs/{id} shows it after BullMQ drops the job) and calls back. */
  async function ended(
    job: Job<CollectionJobData, JobReturn>,
    end: { completed: object } | { failedReason: string },
  ) {
    const id = job.id as string;
    if ("completed" in end) {
      await store.ended(id, { data: job.data, status: "completed" }, ttl);
      await notify(job, "completed", end.completed);
      return;
    }
    await store.ended(id, { data: job.data, status: "failed", failedReason: end.failedReason }, ttl);
    await notify(job, "failed", { error: failureOutcome(decodeFailure(end.failedReason)).error });
  }

  /** How an item's job ended, "running" while it has not, undefined when it is gone without an outcome. */
  async function itemEnd(jobId: string): Promise<ItemEnd | "running" | undefined> {
    const stored = await submitter.results.peek(jobId);
    if (stored) return stored;
    const job = await submitter.queue.getJob(jobId);
    const state = job ? await job.getState() : "unknown";
    // A retryable failure on its last attempt is not stored: BullMQ keeps it.
    if (job && state === "failed") return failureOutcome(decodeFailure(job.failedReason));
    return state === "completed" || state === "unknown" ? undefined : "running";
  }

  async function submit(job: Job<CollectionJobData, JobReturn>, item: StoredItem, window: number) {
    const { collection: order, requestId, caller } = job.data;
    return submitter.submit(workOf(order, item.videoId), requestId, caller, BATCH_PRIORITY, window);
  }

  /** Notes the running items whose jobs ended; one whose outcome is gone (evicted) is submitted again. */
  async function settleRunning(job: Job<CollectionJobData, JobReturn>, id: string, window: number) {
    for (const index of await store.running(id)) {
      const [item] = await store.items(id, index, 1);
      if (!item?.jobId) continue;
      const end = await itemEnd(item.jobId);
      if (end === "running") continue;
      if (end) {
        await store.finished(id, index, item, end, ttl);
        continue;
      }
      try {
        const again = await submit(job, item, window);
        if (again.cached) await store.finished(id, index, item, again.cached, ttl);
      } catch (error) {
        if (!isRefusal(error)) throw error;
      }
    }
  }

  /**
   * How these items' requests already ended, by item index, where that is known without extracting:
   * the origin's store (the usual case for a channel asked for again; read from its pointer, without
   * the brotli body submit() would decode), else the edge's, which keeps answers for weeks. An answer
   * the edge held is copied into the origin's store, where the collection's pages read it (and later
   * passes find it). The edge is asked about each item once: a pass that stops at a full window
   * leaves items it asked about for the next, which must not ask again.
   */
  async function knownEnds(
    job: Job<CollectionJobData, JobReturn>,
    id: string,
    items: (StoredItem & { index: number })[],
    edgeAskedTo: number,
  ) {
    const ends = new Map<number, ItemEnd>();
    const unknown: { index: number; hash: string }[] = [];
    const hashes = await Promise.all(
      items.map((item) => requestHash(workOf(job.data.collection, item.videoId))),
    );
    const stored = await submitter.results.peekMany(hashes);
    items.forEach((item, i) => {
      const end = stored[i];
      if (end) ends.set(item.index, end);
      else unknown.push({ index: item.index, hash: hashes[i] as string });
    });
    const ask = unknown.filter((item) => item.index >= edgeAskedTo);
    if (!edgeLink || ask.length === 0) return { ends, edgeAskedTo };
    const held = await edgeLink.lookup(ask.map((item) => item.hash));
    const askedTo = Math.max(...ask.map((item) => item.index)) + 1;
    await store.note(id, { edgeAskedTo: askedTo }, ttl);
    for (const { index, hash } of ask) {
      const answer = held.get(hash);
      if (!answer) continue;
      const { outcome, freshForSeconds } = answer;
      // Kept no longer than the edge's own stays fresh: the edge's refresh, which asks the origin,
      // must not be served this copy back as new.
      const ttl = Math.min(
        freshForSeconds,
        outcome.ok ? options.resultTtlSeconds : options.failureTtlSeconds,
      );
      await submitter.results.put(hash, outcome, ttl);
      ends.set(index, outcome.ok ? { ok: true } : outcome);
    }
    return { ends, edgeAskedTo: askedTo };
  }

  /**
   * A listed collection costs its entries, not its `limit`: the edge gives the rest back
   * (shared/src/edge-link.ts). Asked on each pass until the edge takes it; a collection that failed
   * for good is settled once, with what it listed (nothing, when the listing itself failed). Answers
   * whether nothing is left to settle.
   */
  async function settleCharge(job: Job<CollectionJobData, JobReturn>, id: string, log: Logger) {
    const { chargeRef } = job.data.collection;
    if (!edgeLink || !chargeRef) return true;
    const meta = await store.meta(id);
    if (meta?.chargeSettled) return true;
    const listed = meta?.info ? meta.progress.total : 0;
    const refunded = await edgeLink.settleCharge({ chargeRef, listed });
    if (refunded === undefined) return false;
    await store.note(id, { chargeSettled: 1 }, ttl);
    log.info({ listed, refunded }, "collection charge settled");
    return true;
  }

  /** Submits items in order while the share admits them; returns when it is full or all are submitted. */
  async function feed(job: Job<CollectionJobData, JobReturn>, id: string, window: number) {
    const meta = await store.meta(id);
    if (!meta) return;
    let running = (await store.running(id)).length;
    let next = meta.next;
    let edgeAskedTo = meta.edgeAskedTo;
    const total = meta.progress.total;
    let visited = 0;
    while (next < total && running < window && visited < options.passItems) {
      const chunk = await store.items(id, next, Math.min(READ_CHUNK, total - next));
      const waiting = chunk.filter((item) => item.status === "waiting");
      const looked = await knownEnds(job, id, waiting.slice(0, options.passItems - visited), edgeAskedTo);
      const known = looked.ends;
      edgeAskedTo = looked.edgeAskedTo;
      for (const item of chunk) {
        if (running >= window || visited >= options.passItems) break;
        if (item.status !== "waiting") {
          // Unavailable entries failed when listed; `next` moves past them with the next write.
          next = item.index + 1;
          continue;
        }
        visited++;
        const stored = known.get(item.index);
        if (stored) {
          await store.submitted(id, item.index, item, { outcome: stored }, ttl);
          next = item.index + 1;
          continue;
        }
        let submission: Awaited<ReturnType<typeof submit>>;
        try {
          submission = await submit(job, item, window);
        } catch (error) {
          if (!isRefusal(error)) throw error;
          await store.skipTo(id, next, ttl);
          return;
        }
        const result = submission.cached
          ? { outcome: submission.cached }
          : { jobId: submission.id, extracted: submission.created === true };
        // Not recorded: another pass got there first, and counted the item itself.
        if ((await store.submitted(id, item.index, item, result, ttl)) && !submission.cached) running++;
        next = item.index + 1;
      }
    }
    await store.skipTo(id, next, ttl);
  }

  /**
   * A pass ran to its end, its worker alive: BullMQ's count of the job's stalls starts again
   * (queue/stalls.ts), so only deaths in a row under one pass fail the collection. Done while the job
   * is still ours, before moveToDelayed gives up its lock. A count not set back only adds up, as before.
   */
  async function passEnded(job: Job<CollectionJobData, JobReturn>, token: string | undefined, log: Logger) {
    await resetStalls(submitter.redis, job, token).catch((err) =>
      log.warn({ err }, "stall count not set back"),
    );
  }

  async function coordinate(
    job: Job<CollectionJobData, JobReturn>,
    token?: string,
    signal?: AbortSignal,
  ): Promise<JobReturn> {
    const id = job.id as string;
    const { collection: order, requestId, caller } = job.data;
    const log = options.log.child({ requestId, jobId: id, kind: "collection" });
    if (!(await store.meta(id))?.info) {
      let listing: CollectionListing;
      try {
        listing = await engine.expand(
          order.ref,
          { limit: order.limit, ...(order.tab ? { tab: order.tab } : {}) },
          { requestId, ...(signal ? { signal } : {}) },
        );
      } catch (thrown) {
        const error =
          thrown instanceof ApiError
            ? thrown
            : new ApiError("INTERNAL", { details: { cause: "collection" } });
        log.warn({ code: error.code, err: thrown }, "collection could not be listed");
        // A retryable failure (YouTube pushing back, a timeout) is tried again after the back-off.
        const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
        if (error.retryable && !last) throw new Error(encodeFailure(error));
        // Recorded and called back by the worker's failed handler, like every final failure.
        throw new UnrecoverableError(encodeFailure(error));
      }
      await store.saveListing(id, infoOf(order.ref, listing), listing, ttl);
      log.info({ total: listing.videos.length, truncated: listing.truncated }, "collection listed");
    }
    const window = collectionShare(submitter.perCaller(caller));
    let meta: Awaited<ReturnType<typeof store.meta>>;
    let settled: boolean;
    try {
      settled = await settleCharge(job, id, log);
      await settleRunning(job, id, window);
      await feed(job, id, window);
      meta = await store.meta(id);
    } catch (error) {
      // Every write is atomic (state.ts), so the next pass carries on from wherever this one stopped.
      const failedPasses = (job.data.failedPasses ?? 0) + 1;
      if (failedPasses > MAX_FAILED_PASSES) {
        log.error({ err: error, failedPasses }, "collection pass failed too many times in a row");
        throw new UnrecoverableError(
          encodeFailure(new ApiError("INTERNAL", { details: { cause: "collection" } })),
        );
      }
      const backoffMs = Math.min(options.passDelayMs * 2 ** (failedPasses - 1), MAX_PASS_BACKOFF_MS);
      log.warn({ err: error, failedPasses, backoffMs }, "collection pass failed, tried again later");
      await job.updateData({ ...job.data, failedPasses });
      await passEnded(job, token, log);
      await job.moveToDelayed(Date.now() + backoffMs, token);
      throw new DelayedError();
    }
    if (job.data.failedPasses) await job.updateData({ ...job.data, failedPasses: 0 });
    let delayMs = options.passDelayMs;
    if (meta && meta.progress.done + meta.progress.failed >= meta.progress.total) {
      // Done, but its charge not settled yet: a few more passes for it, each twice as far apart.
      const waits = job.data.settlementWaits ?? 0;
      if (settled || waits >= MAX_SETTLEMENT_WAITS) {
        if (!settled)
          log.warn(
            { listed: meta.progress.total },
            "collection charge not settled: the edge did not take it",
          );
        log.info(meta.progress, "collection completed");
        await ended(job, { completed: { collection: meta.info, progress: meta.progress } });
        return { stored: true };
      }
      await job.updateData({ ...job.data, settlementWaits: waits + 1 });
      delayMs = options.passDelayMs * 2 ** waits;
    }
    await passEnded(job, token, log);
    await job.moveToDelayed(Date.now() + delayMs, token);
    throw new DelayedError();
  }

  return {
    run: coordinate,
    /**
     * The worker calls this when a collection job has failed for good, whatever failed it (its
     * passes, a third worker crash in a row under one pass: queue/stalls.ts): the failure is recorded
     * and the callback told. Both are idempotent, so the listing's own call before is harmless.
     */
    failed: async (job: Job<CollectionJobData, JobReturn>) => {
      const log = options.log.child({ requestId: job.data.requestId, jobId: job.id, kind: "collection" });
      if (!(await settleCharge(job, job.id as string, log)))
        log.warn("failed collection's charge not settled: the edge did not take it");
      await ended(job, { failedReason: job.failedReason });
    },
  };
}
