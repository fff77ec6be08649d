/**
 * Who a request is served for, as the edge tells the origin in the signed caller line
 * (signing.ts): the key's plan and a short, stable id of the key. The origin limits work in
 * flight per caller with it; it never sees the key itself.
 */
export const CALLER_PLANS = ["free", "pro", "demo"] as const;
export type CallerPlan = (typeof CALLER_PLANS)[number];

export interface Caller {
  plan: CallerPlan;
  /** The first 16 hex digits of the key's SHA-256 (the hash the edge stores keys under). */
  keyId: string;
}

const CALLER = /^(free|pro|demo):([0-9a-f]{16})$/;

/** The caller of a key, from the key's SHA-256 in hex. */
export function callerOf(plan: CallerPlan, keyHash: string): Caller {
  return { plan, keyId: keyHash.slice(0, 16) };
}

export function encodeCaller(caller: Caller): string {
  return `${caller.plan}:${caller.keyId}`;
}

export function parseCaller(value: string | undefined): Caller | undefined {
  const match = value === undefined ? null : CALLER.exec(value);
  if (!match) return undefined;
  return { plan: match[1] as CallerPlan, keyId: match[2] as string };
}
