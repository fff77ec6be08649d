import { ApiError } from "@ytt/shared";

/**
 * get_transcript's page cursor: the first segment of the next page, bound to the transcript request
 * it pages through (a prefix of its request hash), so a cursor given with other arguments is refused
 * rather than read as an offset into another transcript. Nothing in it is secret: a forged offset
 * only picks another page of a transcript the caller may read anyway.
 *
 *   c1.<12 hex of the request hash>.<segment index, base 36>
 */
const CURSOR = /^c1\.([0-9a-f]{12})\.([0-9a-z]{1,7})$/;

export function encodeCursor(requestHash: string, start: number): string {
  return `c1.${requestHash.slice(0, 12)}.${start.toString(36)}`;
}

/** The segment a cursor points at, or INVALID_REQUEST when it is malformed or was made for another request. */
export function decodeCursor(cursor: string, requestHash: string): number {
  const match = CURSOR.exec(cursor);
  if (!match) throw new ApiError("INVALID_REQUEST", { message: "cursor: not a cursor this tool returned." });
  if (match[1] !== requestHash.slice(0, 12))
    throw new ApiError("INVALID_REQUEST", {
      message:
        "cursor: it belongs to another request; pass the same video, lang and tlang as the call that returned it.",
    });
  return Number.parseInt(match[2] ?? "", 36);
}
