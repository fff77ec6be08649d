/**
 * The key CLI against local `wrangler dev` state, end to end: keys created, listed and revoked with
 * scripts/keys.ts (wrangler kv --local --persist-to) are honoured by the real Worker under
 * `wrangler dev`, which forwards signed requests over real HTTP to the origin stand-in.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKey, createKeys, listKeys, revokeKey, seedDevKey } from "../../scripts/keys.js";
import { startOriginStandIn } from "../support/origin-stand-in.js";
import {
  PACKAGE_DIR,
  standInOriginVars,
  startWranglerDev,
  type WranglerDev,
} from "../support/wrangler-dev.js";

const run = promisify(execFile);

let dir: string;
let origin: Awaited<ReturnType<typeof startOriginStandIn>>;
let edge: WranglerDev | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ytt-edge-keys-"));
  origin = await startOriginStandIn();
  edge = await startWranglerDev({
    config: join(PACKAGE_DIR, "wrangler.jsonc"),
    persistTo: dir,
    readyPath: "/health",
    // Revocation is seen at once: the isolate's key cache has its own workerd test.
    vars: { ...standInOriginVars(origin.port), KEY_CACHE_SECONDS: "0" },
  });
});

afterAll(async () => {
  await edge?.stop();
  await origin?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function transcript(key: string): Promise<number> {
  const res = await fetch(`${edge?.url}/v1/transcripts/okKeysCli01`, { headers: { "X-API-Key": key } });
  return res.status;
}

describe("keys CLI with wrangler dev", () => {
  it("creates a key the Worker accepts, lists it by prefix, and revocation locks it out", async () => {
    const { key, record } = await createKey(
      { owner: "cli-test", plan: "free", environment: "test" },
      { persistTo: dir },
    );
    expect(key).toMatch(/^ytt_test_[A-Za-z0-9]{40}$/);
    expect(await transcript(key)).toBe(200);

    const listed = await listKeys({ persistTo: dir });
    expect(listed).toContainEqual(
      expect.objectContaining({ hash: record.hash, owner: "cli-test", status: "active" }),
    );
    // Only the hash is stored: the key itself appears nowhere in the listing.
    expect(JSON.stringify(listed)).not.toContain(key);

    await revokeKey(record.prefix, { persistTo: dir });
    expect(await transcript(key)).toBe(401);
    const after = await listKeys({ persistTo: dir });
    expect(after.find((r) => r.hash === record.hash)?.status).toBe("revoked");
  });

  it("seeds a dev key through the CLI entry point and prints it", async () => {
    const { stdout } = await run("pnpm", ["--silent", "keys", "seed-dev", "--persist-to", dir], {
      cwd: PACKAGE_DIR,
    });
    const key = stdout.trim();
    expect(key).toMatch(/^ytt_test_[A-Za-z0-9]{40}$/);
    expect(await transcript(key)).toBe(200);
    expect(await seedDevKey({ key, persistTo: dir })).toBe(key);
  });

  it("creates many keys in one write, each usable", async () => {
    const created = await createKeys(
      [
        { owner: "bulk-a", plan: "free", environment: "test" },
        { owner: "bulk-b", plan: "pro", environment: "test" },
      ],
      { persistTo: dir },
    );
    expect(created.map((c) => c.record.owner)).toEqual(["bulk-a", "bulk-b"]);
    for (const { key } of created) expect(await transcript(key)).toBe(200);
  });

  it("refuses to revoke an ambiguous or unknown prefix", async () => {
    await expect(revokeKey("ytt_nothing", { persistTo: dir })).rejects.toThrow(/0 keys match/);
  });
});
