import { describe, expect, it } from "vitest";
import { call, createKey, originRequests } from "./support/worker.js";

const json = { "Content-Type": "application/json" };
const batch = (key: string, body: unknown) =>
  call("/v1/batch", { key, method: "POST", headers: json, body: JSON.stringify(body) });

describe("webhooks at the edge", () => {
  it("refuses a batch's callbackUrl that is not https to a public host, before the origin hears of it", async () => {
    const key = await createKey("pro");
    for (const [callbackUrl, reason] of [
      ["http://hooks.example.com/", "not-https"],
      ["https://0x7f000001/", "loopback"],
      ["https://[::ffff:192.168.0.1]/", "private"],
      ["https://metadata.google.internal/", "local-name"],
      ["https://user:pw@hooks.example.com/", "credentials"],
      ["not a url", "malformed"],
    ]) {
      const response = await batch(key, { items: [{ video: "okEdgeHook1" }], callbackUrl });
      expect(response.status, callbackUrl).toBe(400);
      expect(await response.json(), callbackUrl).toMatchObject({
        error: { code: "INVALID_CALLBACK_URL", details: { reason } },
      });
    }
    expect(await originRequests("okEdgeHook1")).toEqual([]);
  });

  it("ends a batch with a callbackUrl with its webhook, having told the origin each item's status or job", async () => {
    const key = await createKey("pro");
    const response = await batch(key, {
      items: [
        { video: "okEdgeHook2" },
        { video: "nope" },
        { video: "jbEdgeHook3" },
        { video: "ntEdgeHook4" },
      ],
      callbackUrl: "https://hooks.example.com/ytt?token=1",
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      items: { status: number }[];
      webhook: { id: string; statusUrl: string };
    };
    expect(body.items.map((item) => item.status)).toEqual([200, 400, 202, 404]);
    expect(body.webhook.statusUrl).toBe(`/v1/webhooks/batches/${body.webhook.id}`);

    const registrations = (await originRequests("/v1/webhooks/batches")).filter((r) =>
      r.body.includes("okEdgeHook2"),
    );
    expect(registrations).toHaveLength(1);
    expect(JSON.parse(registrations[0]?.body ?? "")).toEqual({
      callbackUrl: "https://hooks.example.com/ytt?token=1",
      items: [
        { index: 0, videoId: "okEdgeHook2", status: 200 },
        { index: 1, status: 400, code: "INVALID_VIDEO_REFERENCE" },
        { index: 2, videoId: "jbEdgeHook3", jobId: expect.stringMatching(/^[0-9a-f]{32}$/) },
        { index: 3, videoId: "ntEdgeHook4", status: 404, code: "TRANSCRIPTS_DISABLED" },
      ],
    });
  });

  it("forwards the secret routes for the caller's key and checks batch webhook ids", async () => {
    const key = await createKey("free");
    const made = await call("/v1/webhooks/secret", { key, method: "POST" });
    expect(made.status).toBe(201);
    expect(made.headers.get("cache-control")).toBe("no-store");
    expect(await made.json()).toMatchObject({ secret: expect.stringMatching(/^whsec_/), exists: true });
    const status = await call("/v1/webhooks/secret", { key });
    expect(await status.json()).toEqual({ exists: true, createdAt: expect.any(String) });
    expect((await call("/v1/webhooks/batches/not-hex", { key })).status).toBe(400);
  });
});
