import { z } from "zod";
import { CHANNEL_TABS } from "./collection-ref.js";

/**
 * What GET /v1/jobs/{id} shows of a collection job (POST /v1/collections): the listing, the
 * progress and a page of its items. The origin writes these, the edge passes them through.
 */

/**
 * An item's state: `waiting` for a place among the key's jobs in flight, `running` (its transcript
 * job is queued or extracting, or it joined one), `completed`, or `failed` (with its error).
 */
export const COLLECTION_ITEM_STATUSES = ["waiting", "running", "completed", "failed"] as const;
export type CollectionItemStatus = (typeof COLLECTION_ITEM_STATUSES)[number];

/**
 * Items per page of GET /v1/jobs/{id} for a collection, when `limit` does not say, and at most;
 * `jsonl`: the default of format=jsonl, whose lines carry transcripts: a page of 500 is read well
 * within the edge's ORIGIN_TIMEOUT_MS, which bounds the body too (5,000 at once may not be).
 */
export const COLLECTION_PAGE = { default: 100, jsonl: 500, max: 1000 } as const;

/** The header of a format=jsonl page naming the next page's `cursor`; absent on the last page. */
export const NEXT_CURSOR_HEADER = "X-Next-Cursor";

export const CollectionItemSchema = z.object({
  /** The item's position in the collection, from 0: what `cursor` counts. */
  index: z.number().int(),
  videoId: z.string(),
  title: z.string(),
  status: z.enum(COLLECTION_ITEM_STATUSES),
  error: z
    .object({
      code: z.string(),
      message: z.string(),
      details: z.record(z.string(), z.unknown()).optional(),
    })
    .optional(),
});
export type CollectionItem = z.infer<typeof CollectionItemSchema>;

export const CollectionProgressSchema = z.object({
  /** Items listed; 0 until the listing is read. */
  total: z.number().int(),
  done: z.number().int(),
  failed: z.number().int(),
  /** Items that needed an extraction of their own (neither stored nor already being extracted). */
  extracted: z.number().int(),
});
export type CollectionProgress = z.infer<typeof CollectionProgressSchema>;

/** The collection as listed: absent until the listing is read. */
export const CollectionInfoSchema = z.object({
  type: z.enum(["playlist", "channel"]),
  /** The playlist ID, or the channel's UC… ID. */
  id: z.string(),
  title: z.string(),
  tab: z.enum(CHANNEL_TABS).optional(),
  /** The limit cut the listing before the collection's end. */
  truncated: z.boolean(),
});
export type CollectionInfo = z.infer<typeof CollectionInfoSchema>;
