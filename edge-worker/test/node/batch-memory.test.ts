/**
 * A batch of 50 multi-hour transcripts through the real Worker under `wrangler dev`, its V8 heap
 * capped well under a deployed Worker's 128 MB: the answer must be streamed, not built whole.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKey } from "../../scripts/keys.js";
import { LARGE_TRANSCRIPT_BYTES, largeTranscript } from "../support/canned.js";
import { startOriginStandIn } from "../support/origin-stand-in.js";
import {
  PACKAGE_DIR,
  standInOriginVars,
  startWranglerDev,
  type WranglerDev,
} from "../support/wrangler-dev.js";

const ITEMS = 50;

let dir: string;
let origin: Awaited<ReturnType<typeof startOriginStandIn>>;
let edge: WranglerDev | undefined;
let key: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ytt-edge-batch-memory-"));
  origin = await startOriginStandIn();
  ({ key } = await createKey(
    { owner: "batch-memory", plan: "pro", environment: "test" },
    { persistTo: dir },
  ));
  edge = await startWranglerDev({
    config: join(PACKAGE_DIR, "wrangler.jsonc"),
    persistTo: dir,
    readyPath: "/health",
    vars: { ...standInOriginVars(origin.port), ORIGIN_TIMEOUT_MS: "60000" },
    // A deployed Worker has 128 MB, shared by the requests its isolate serves at once; workerd has no
    // limit unless V8 is given one. Half of it for this one batch (building the answer whole needs over 128).
    env: { MINIFLARE_WORKERD_V8_FLAGS: "--max-old-space-size=64" },
  });
});

afterAll(async () => {
  await edge?.stop();
  await origin?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("batch of multi-hour transcripts", () => {
  it(`answers ${ITEMS} transcripts of ~2 MB each as valid JSON within half a Worker's memory`, async () => {
    const videos = Array.from({ length: ITEMS }, (_, i) => `lgMemory${String(i).padStart(3, "0")}`);
    const res = await fetch(`${edge?.url}/v1/batch`, {
      method: "POST",
      headers: { "X-API-Key": key, "Content-Type": "application/json", "CF-Connecting-IP": "192.0.2.10" },
      body: JSON.stringify({ items: videos.map((video) => ({ video })) }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toContain("application/json");
    const text = await res.text();
    expect(text.length).toBeGreaterThan(ITEMS * LARGE_TRANSCRIPT_BYTES);
    const body = JSON.parse(text) as { items: { status: number; body: { video: { videoId: string } } }[] };
    expect(body.items.map((i) => i.status)).toEqual(videos.map(() => 200));
    expect(body.items.map((i) => i.body.video.videoId)).toEqual(videos);
    expect(body.items[7]?.body).toEqual(largeTranscript(videos[7] ?? ""));
  }, 180_000);
});
