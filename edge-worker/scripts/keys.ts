/**
 * API key management against the API_KEYS namespace, through wrangler: local `wrangler dev`
 * state by default, the deployed namespace with --remote. Only sha256(key) is stored; the key
 * itself is printed once, at creation.
 *
 *   pnpm --filter @ytt/edge-worker keys create --owner alice --plan free|pro [--test] [--remote] [--persist-to DIR]
 *   pnpm --filter @ytt/edge-worker keys list [--remote]
 *   pnpm --filter @ytt/edge-worker keys revoke <prefix-or-hash> [--remote]
 *   pnpm --filter @ytt/edge-worker keys seed-dev [--key ytt_test_...] [--persist-to DIR]
 *
 * Programmatic use (the local stack): import { createKeys, seedDevKey } from "@ytt/edge-worker/keys".
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs, promisify } from "node:util";
import {
  API_KEY_PATTERN,
  generateApiKey,
  type KeyRecord,
  KeyRecordSchema,
  newKeyRecord,
  type Plan,
  PlanSchema,
} from "../src/auth/keys.js";

/** A fresh key in the API's format, for tools that make their own (the local stack's demo key, tests). */
export { generateApiKey };

const run = promisify(execFile);
const PACKAGE_DIR = fileURLToPath(new URL("..", import.meta.url));

/** Where keys go: local wrangler state (optionally a custom --persist-to dir) or the deployed namespace. */
export interface KeyStore {
  remote?: boolean;
  persistTo?: string;
}

/** Runs `wrangler kv <args> --binding API_KEYS` against the chosen store. */
async function wranglerKv(store: KeyStore, args: string[]): Promise<string> {
  const target = store.remote
    ? ["--remote"]
    : ["--local", ...(store.persistTo ? ["--persist-to", store.persistTo] : [])];
  const { stdout } = await run(
    "pnpm",
    ["exec", "wrangler", "kv", ...args, "--binding", "API_KEYS", ...target],
    {
      cwd: PACKAGE_DIR,
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  return stdout;
}

/** The public fields, also kept as KV metadata so `list` needs one call. */
function metadataOf(record: KeyRecord): Omit<KeyRecord, "hash"> {
  const { hash: _hash, ...rest } = record;
  return rest;
}

/** Writes records in one `wrangler kv bulk put` (one wrangler start, however many keys). */
async function putRecords(store: KeyStore, records: KeyRecord[]): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "ytt-keys-"));
  const file = join(dir, "records.json");
  const entries = records.map((r) => ({ key: r.hash, value: JSON.stringify(r), metadata: metadataOf(r) }));
  try {
    await writeFile(file, JSON.stringify(entries), { mode: 0o600 });
    await wranglerKv(store, ["bulk", "put", file]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface NewKey {
  owner: string;
  plan: Plan;
  environment?: "live" | "test";
  /** Store this key instead of generating one (e.g. a fixed dev key). */
  key?: string;
}

/** Creates keys in one write; returns each key (shown once) with its stored record, in order. */
export async function createKeys(
  specs: NewKey[],
  store: KeyStore = {},
): Promise<{ key: string; record: KeyRecord }[]> {
  const created = await Promise.all(
    specs.map(async (spec) => {
      const key = spec.key ?? generateApiKey(spec.environment ?? "live");
      if (!API_KEY_PATTERN.test(key)) {
        throw new Error("key must look like ytt_live_<32+ base62> or ytt_test_<32+ base62>");
      }
      return { key, record: await newKeyRecord(key, spec.owner, spec.plan) };
    }),
  );
  await putRecords(
    store,
    created.map((c) => c.record),
  );
  return created;
}

export async function createKey(
  spec: NewKey,
  store: KeyStore = {},
): Promise<{ key: string; record: KeyRecord }> {
  const [created] = await createKeys([spec], store);
  return created as { key: string; record: KeyRecord };
}

export async function listKeys(store: KeyStore = {}): Promise<KeyRecord[]> {
  const entries = JSON.parse(await wranglerKv(store, ["key", "list"])) as {
    name: string;
    metadata?: unknown;
  }[];
  return entries.flatMap((entry) => {
    const parsed = KeyRecordSchema.safeParse({ ...(entry.metadata as object), hash: entry.name });
    return parsed.success ? [parsed.data] : [];
  });
}

export async function revokeKey(prefixOrHash: string, store: KeyStore = {}): Promise<KeyRecord> {
  const matches = (await listKeys(store)).filter((r) => r.hash === prefixOrHash || r.prefix === prefixOrHash);
  if (matches.length !== 1) {
    throw new Error(`${matches.length} keys match "${prefixOrHash}"; give the full hash to pick one`);
  }
  const revoked: KeyRecord = {
    ...(matches[0] as KeyRecord),
    status: "revoked",
    revokedAt: new Date().toISOString(),
  };
  await putRecords(store, [revoked]);
  return revoked;
}

/** For the local stack: stores a dev key (the given one, or a new one) in local state and returns it. */
export async function seedDevKey(options: { key?: string; persistTo?: string } = {}): Promise<string> {
  const { key } = await createKey(
    { owner: "local-dev", plan: "pro", environment: "test", ...(options.key ? { key: options.key } : {}) },
    options.persistTo ? { persistTo: options.persistTo } : {},
  );
  return key;
}

async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      owner: { type: "string" },
      plan: { type: "string", default: "free" },
      test: { type: "boolean", default: false },
      key: { type: "string" },
      remote: { type: "boolean", default: false },
      "persist-to": { type: "string" },
    },
  });
  const store: KeyStore = {
    remote: values.remote,
    ...(values["persist-to"] ? { persistTo: values["persist-to"] } : {}),
  };
  const [command, argument] = positionals;
  switch (command) {
    case "create": {
      if (!values.owner) throw new Error("create needs --owner");
      const plan = PlanSchema.parse(values.plan);
      const { key, record } = await createKey(
        { owner: values.owner, plan, environment: values.test ? "test" : "live" },
        store,
      );
      console.log(`created ${record.prefix}… for ${record.owner} (${record.plan}); hash ${record.hash}`);
      console.log("the key (shown once, store it now):");
      console.log(key);
      return;
    }
    case "list":
      for (const r of await listKeys(store)) {
        console.log(
          [r.prefix.padEnd(16), r.status.padEnd(8), r.plan.padEnd(5), r.owner, r.createdAt, r.hash].join(
            "  ",
          ),
        );
      }
      return;
    case "revoke": {
      if (!argument) throw new Error("revoke needs a key prefix or hash");
      const r = await revokeKey(argument, store);
      console.log(`revoked ${r.prefix}… (${r.owner}); hash ${r.hash}`);
      return;
    }
    case "seed-dev":
      console.log(await seedDevKey({ ...(values.key ? { key: values.key } : {}), ...store }));
      return;
    default:
      throw new Error(
        "usage: keys create --owner NAME --plan free|pro [--test] | list | revoke PREFIX_OR_HASH | seed-dev [--key KEY]",
      );
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((e) => {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  });
}
