import { execFile } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { generateApiKey, newKeyRecord, type Plan } from "../../edge-worker/src/auth/keys.js";
import { EDGE_DIR, nodeEnv } from "./paths.js";

const run = promisify(execFile);

export interface KeySpec {
  owner: string;
  plan: Plan;
}

/**
 * Creates API keys in the edge's local API_KEYS namespace (the state `wrangler dev --persist-to`
 * reads), in one wrangler call however many there are. Returns the plaintext keys, in order.
 */
export async function seedApiKeys(options: {
  persistDir: string;
  runDir: string;
  keys: KeySpec[];
}): Promise<string[]> {
  const keys = options.keys.map(() => generateApiKey("test"));
  const entries = await Promise.all(
    options.keys.map(async (spec, i) => {
      const key = keys[i] as string;
      const record = await newKeyRecord(key, spec.owner, spec.plan);
      return { key: record.hash, value: JSON.stringify(record) };
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
  return keys;
}
