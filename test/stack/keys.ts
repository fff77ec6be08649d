import { execFile } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { seedDevKey } from "../../edge-worker/scripts/keys.js";
import { generateApiKey, newKeyRecord, type Plan } from "../../edge-worker/src/auth/keys.js";
import { EDGE_DIR, nodeEnv } from "./paths.js";

const run = promisify(execFile);

export interface KeySpec {
  owner: string;
  plan: Plan;
}

/**
 * Puts API keys in the edge's local API_KEYS namespace (the state the edge's dev server reads):
 * the dev key through the edge's own key tooling (`keys seed-dev`), the others in one
 * `wrangler kv bulk put` (the tooling's one wrangler call per key would take minutes for the tests'
 * dozens), with the same records the tooling writes. Returns the plaintext keys, dev key first.
 */
export async function seedApiKeys(options: {
  persistDir: string;
  runDir: string;
  keys: KeySpec[];
}): Promise<string[]> {
  const devKey = await seedDevKey({ persistTo: options.persistDir });
  if (!options.keys.length) return [devKey];
  const keys = options.keys.map(() => generateApiKey("test"));
  const entries = await Promise.all(
    options.keys.map(async (spec, i) => {
      const { hash, ...metadata } = await newKeyRecord(keys[i] as string, spec.owner, spec.plan);
      return { key: hash, value: JSON.stringify({ hash, ...metadata }), metadata };
    }),
  );
  const file = join(options.runDir, `keys-${Date.now()}.json`);
  writeFileSync(file, JSON.stringify(entries), { mode: 0o600 });
  try {
    await run(
      join(EDGE_DIR, "node_modules", ".bin", "wrangler"),
      ["kv", "bulk", "put", file, "--binding", "API_KEYS", "--local", "--persist-to", options.persistDir],
      { cwd: EDGE_DIR, env: nodeEnv({ WRANGLER_SEND_METRICS: "false", CI: "1" }) },
    );
  } finally {
    rmSync(file, { force: true });
  }
  return [devKey, ...keys];
}
