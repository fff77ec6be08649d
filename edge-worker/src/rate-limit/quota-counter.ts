import { DurableObject } from "cloudflare:workers";

export interface QuotaState {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the quota resets (next UTC midnight). */
  resetSeconds: number;
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
  }

  /** Counts `units` against `limit` if they all fit; 0 units only reads the state. */
  consume(units: number, limit: number): QuotaState {
    const now = new Date();
    const day = now.toISOString().slice(0, 10);
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
      sql.exec("DELETE FROM usage WHERE day < ?", day);
    }
    const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
    return {
      allowed,
      limit,
      remaining: Math.max(0, limit - after),
      resetSeconds: Math.ceil((midnight - now.getTime()) / 1000),
    };
  }
}
