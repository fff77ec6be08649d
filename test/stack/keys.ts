import { createKeys, type NewKey } from "@ytt/edge-worker/keys";

export type KeySpec = Pick<NewKey, "owner" | "plan">;

/**
 * Puts API keys in the edge's local API_KEYS namespace (the state the edge's dev server reads),
 * through the edge's own key tooling, in one wrangler call: the dev key (plan pro, owner
 * "local-dev"), then `keys`. Returns the plaintext keys in that order.
 */
export async function seedApiKeys(options: { persistDir: string; keys: KeySpec[] }): Promise<string[]> {
  const dev: KeySpec = { owner: "local-dev", plan: "pro" };
  const specs = [dev, ...options.keys].map((spec): NewKey => ({ ...spec, environment: "test" }));
  const created = await createKeys(specs, { persistTo: options.persistDir });
  return created.map((c) => c.key);
}
