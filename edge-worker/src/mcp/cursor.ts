import { ApiError } from "@ytt/shared";

/**
 * get_transcript's page cursor: the first segment of the next page, bound to the transcript request
 * it pages through (a prefix of its request hash), so a cursor given with other arguments is refused
 * rather than read as an offset into another transcript, and to the stored copy it was cut from
 * (when the edge store took it), so a transcript refreshed between pages, whose captions may have
 * moved, is not paged on from the old copy's offset. Nothing in it is secret: a forged offset only
 * picks another page of a transcript the caller may read anyway.
 *
 *   c2.<12 hex of the request hash>.<storedAt, base 36>.<segment index, base 36>
 */
const CURSOR = /^c2\.([0-9a-f]{12})\.([0-9a-z]{1,9})\.([0-9a-z]{1,7})$/;

export interface Cursor {
  start: number;
  storedAt: number;
}

export function encodeCursor(requestHash: string, { start, storedAt }: Cursor): string {
  return `c2.${requestHash.slice(0, 12)}.${storedAt.toString(36)}.${start.toString(36)}`;
}

/** The cursor, or INVALID_REQUEST when it is malformed or was made for another request. */
export function decodeCursor(cursor: string, requestHash: string): Cursor {
  const match = CURSOR.exec(cursor);
  if (!match) throw new ApiError("INVALID_REQUEST", { message: "cursor: not a cursor this tool returned." });
  if (match[1] !== requestHash.slice(0, 12))
    throw new ApiError("INVALID_REQUEST", {
      message:
        "cursor: it belongs to another request; pass the same video, lang and tlang as the call that returned it.",
    });
  return { storedAt: Number.parseInt(match[2] ?? "", 36), start: Number.parseInt(match[3] ?? "", 36) };
}

/** Where the page starts in the copy stored at `storedAt`, or INVALID_REQUEST when the cursor was cut from another copy. */
export function startIn(cursor: Cursor, storedAt: number): number {
  if (cursor.storedAt !== storedAt)
    throw new ApiError("INVALID_REQUEST", {
      message:
        "cursor: the transcript was refreshed since this cursor was made, so its pages may have moved; start again without a cursor.",
    });
  return cursor.start;
}
