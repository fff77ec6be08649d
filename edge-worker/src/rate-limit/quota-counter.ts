import { DurableObject } from "cloudflare:workers";

/** How many days of use a counter keeps, today included (GET /v1/usage shows them). */
export const HISTORY_DAYS = 30;

export interface QuotaState {
  allowed: boolean;
  limit: number;
  /** Units counted today (may exceed `limit` if the limit was lowered during the day). */
  used: number;
  remaining: number;
  /** Seconds until the quota resets (next UTC midnight). */
  resetSeconds: number;
  /** When it resets, ISO 8601. */
  resetsAt: string;
}

/** The UTC day `offset` days from `now`'s, as YYYY-MM-DD. */
function dayOf(now: Date, offset: number): string {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + offset))
    .toISOString()
    .slice(0, 10);
}

/**
 * One instance per API key (named by the key hash) counts that key's requests per UTC day.
 * A Durable Object runs its methods one at a time, so the count is exact everywhere,
 * unlike the per-location rate-limiting binding.
 */
export class QuotaCounter extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS usage (day TEXT PRIMARY KEY, used INTEGER NOT NULL)");
    // What each collection was charged when created, until the origin settles it (shared/src/edge-link.ts).
    ctx.storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS collection_charges (id TEXT PRIMARY KEY, day TEXT NOT NULL, units INTEGER NOT NULL, settled INTEGER NOT NULL DEFAULT 0)",
    );
  }

  /**
   * Counts `units` against `limit` if they all fit; 0 units only reads the state. With `collection`
   * (a charge id), the units counted are also noted as that collection's charge, on the same day, so
   * that its settlement can give back at most that (shared/src/edge-link.ts).
   */
  consume(units: number, limit: number, collection?: string): QuotaState {
    const now = new Date();
    const day = dayOf(now, 0);
    const sql = this.ctx.storage.sql;
    const row = sql.exec<{ used: number }>("SELECT used FROM usage WHERE day = ?", day).toArray()[0];
    const used = row?.used ?? 0;
    const allowed = used + units <= limit;
    const after = allowed ? used + units : used;
    if (allowed && units > 0) {
      sql.exec(
        "INSERT INTO usage (day, used) VALUES (?, ?) ON CONFLICT(day) DO UPDATE SET used = excluded.used",
        day,
        after,
      );
      sql.exec("DELETE FROM usage WHERE day < ?", dayOf(now, 1 - HISTORY_DAYS));
      if (collection) {
        sql.exec("INSERT INTO collection_charges (id, day, units) VALUES (?, ?, ?)", collection, day, units);
        sql.exec("DELETE FROM collection_charges WHERE day < ?", dayOf(now, 1 - HISTORY_DAYS));
      }
    }
    const midnight = new Date(`${dayOf(now, 1)}T00:00:00.000Z`);
    return {
      allowed,
      limit,
      used: after,
      remaining: Math.max(0, limit - after),
      resetSeconds: Math.ceil((midnight.getTime() - now.getTime()) / 1000),
      resetsAt: midnight.toISOString(),
    };
  }

  /** Gives back up to `units` of today's use (work charged up front that the origin refused to start). */
  refund(units: number, limit: number): QuotaState {
    this.ctx.storage.sql.exec(
      "UPDATE usage SET used = MAX(0, used - ?) WHERE day = ?",
      units,
      dayOf(new Date(), 0),
    );
    return this.consume(0, limit);
  }

  /**
   * A listed collection costs its entries, at most its charge: the rest goes back to the day it was
   * charged on, once. Undefined for a charge this counter never noted.
   */
  settleCollection(id: string, listed: number): { refunded: number } | undefined {
    const sql = this.ctx.storage.sql;
    const charge = sql
      .exec<{ day: string; units: number; settled: number }>(
        "SELECT day, units, settled FROM collection_charges WHERE id = ?",
        id,
      )
      .toArray()[0];
    if (!charge) return undefined;
    if (charge.settled) return { refunded: 0 };
    const refunded = Math.max(0, charge.units - listed);
    sql.exec("UPDATE usage SET used = MAX(0, used - ?) WHERE day = ?", refunded, charge.day);
    sql.exec("UPDATE collection_charges SET settled = 1 WHERE id = ?", id);
    return { refunded };
  }

  /** Units used on each of the last HISTORY_DAYS UTC days, oldest first, today last; days unused are 0. */
  history(): { date: string; used: number }[] {
    const now = new Date();
    const rows = this.ctx.storage.sql
      .exec<{ day: string; used: number }>(
        "SELECT day, used FROM usage WHERE day >= ?",
        dayOf(now, 1 - HISTORY_DAYS),
      )
      .toArray();
    const used = new Map(rows.map((row) => [row.day, row.used]));
    return Array.from({ length: HISTORY_DAYS }, (_, i) => {
      const date = dayOf(now, i + 1 - HISTORY_DAYS);
      return { date, used: used.get(date) ?? 0 };
    });
  }
}
