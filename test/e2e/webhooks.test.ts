import { JobBodySchema } from "@ytt/shared";
import { Webhook } from "standardwebhooks";
import { afterAll, describe, expect, it } from "vitest";
import { startReceiver, type WebhookReceiver } from "../../origin-worker/test/webhooks/receiver.js";
import { call, errorCode, useStack } from "./helpers.js";

/**
 * Signed webhooks through the whole chain: the edge takes a batch's or a collection's callbackUrl (or
 * refuses it), the origin watches the batch's jobs, and the webhooks process delivers to a real HTTPS receiver
 * on 127.0.0.5, reachable only through the test-only WEBHOOK_HOST_RULES.
 */
let receiver: WebhookReceiver;
const stack = useStack(async () => {
  receiver = await startReceiver("127.0.0.5");
  return {
    keys: [{ owner: "no-secret", plan: "pro" }],
    // Items answer 202 at once, so the batch's webhook waits for their jobs.
    originEnv: { WAIT_BUDGET_MS: "100" },
    webhooksEnv: {
      WEBHOOK_HOST_RULES: receiver.hostRules,
      NODE_EXTRA_CA_CERTS: receiver.certFile,
      WEBHOOK_RETRY_DELAYS_MS: "300,600",
      WEBHOOK_BATCH_POLL_MS: "200",
    },
  };
});
afterAll(async () => {
  await receiver.close();
});

const post = (path: string, key: string, body?: unknown) =>
  call(stack(), path, {
    key,
    method: "POST",
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { "Content-Type": "application/json" } }),
  });

describe("webhooks through the chain", () => {
  it("refuses callback URLs that are not https to a public host, before any work, with INVALID_CALLBACK_URL", async () => {
    const s = stack();
    for (const [callbackUrl, reason] of [
      ["http://hooks.example.com/ytt", "not-https"],
      ["https://127.0.0.1/ytt", "loopback"],
      ["https://2130706433/ytt", "loopback"],
      ["https://[::ffff:169.254.169.254]/latest", "link-local"],
      ["https://10.1.2.3/ytt", "private"],
      ["https://100.64.0.1/ytt", "cgnat"],
      ["https://localhost/ytt", "local-name"],
      ["https://hooks.example.com:8443/ytt", "port"],
    ]) {
      const answer = await post("/v1/batch", s.apiKey, { items: [{ video: "dblAsrOnly1" }], callbackUrl });
      expect(answer.status, callbackUrl).toBe(400);
      expect(answer.json, callbackUrl).toMatchObject({
        error: { code: "INVALID_CALLBACK_URL", details: { reason } },
      });
      // Refused before the quota was read, as any request refused before origin work.
      expect(answer.headers.get("ratelimit-remaining"), callbackUrl).toBeNull();
    }
  });

  it("refuses a callbackUrl from a key that has no webhook secret", async () => {
    const s = stack();
    const answer = await post("/v1/batch", s.keys[0] as string, {
      items: [{ video: "dblAsrOnly1" }],
      callbackUrl: receiver.url("/never"),
    });
    expect(answer.status).toBe(400);
    expect(errorCode(answer)).toBe("WEBHOOK_SECRET_REQUIRED");
  });

  it("delivers a batch's signed webhook once its items have finished, retrying after a 500", async () => {
    const s = stack();
    const made = await post("/v1/webhooks/secret", s.apiKey);
    expect(made.status).toBe(201);
    const { secret } = made.json as { secret: string };
    expect((await call(s, "/v1/webhooks/secret", { key: s.apiKey })).json).toMatchObject({ exists: true });

    receiver.answers.push({ status: 500 });
    const batch = await post("/v1/batch", s.apiKey, {
      items: [{ video: "dblAsrOnly1" }, { video: "not a video" }, { video: "https://youtu.be/dblNoCapts1" }],
      callbackUrl: receiver.url("/ytt/batches?token=t0k"),
    });
    expect(batch.status).toBe(200);
    const answer = batch.json as { items: { status: number }[]; webhook: { id: string; statusUrl: string } };
    expect(answer.items.map((item) => item.status)).toEqual([202, 400, 202]);
    expect(answer.webhook.statusUrl).toBe(`/v1/webhooks/batches/${answer.webhook.id}`);

    const [failed, delivered] = await receiver.waitForRequests(2, 60_000);
    expect(failed?.headers["webhook-id"]).toBe(delivered?.headers["webhook-id"]);
    expect(delivered?.path).toBe("/ytt/batches?token=t0k");
    // An independent implementation of the specification verifies what we sent.
    expect(new Webhook(secret).verify(delivered?.body ?? "", delivered?.headers ?? {})).toEqual({
      type: "batch.completed",
      timestamp: expect.any(String),
      data: {
        batchId: answer.webhook.id,
        items: [
          { index: 0, videoId: "dblAsrOnly1", status: 200 },
          { index: 1, status: 400, code: "INVALID_VIDEO_REFERENCE" },
          { index: 2, videoId: "dblNoCapts1", status: 404, code: "TRANSCRIPTS_DISABLED" },
        ],
      },
    });

    const shown = await call(s, answer.webhook.statusUrl, { key: s.apiKey });
    expect(shown.status).toBe(200);
    expect(shown.json).toMatchObject({ id: answer.webhook.id, status: "delivered" });
    const [delivery] = (shown.json as { deliveries: { attempts: { statusCode?: number }[] }[] }).deliveries;
    expect(delivery?.attempts.map((a) => a.statusCode)).toEqual([500, 200]);
    // Another key does not see it.
    expect((await call(s, answer.webhook.statusUrl, { key: s.keys[0] as string })).status).toBe(404);
  });

  it("calls back when a collection fails, and shows the delivery on the collection's job", async () => {
    const s = stack();
    const { secret } = (await post("/v1/webhooks/secret", s.apiKey)).json as { secret: string };
    const before = receiver.received.length;
    // A playlist that does not exist fails when listed: the webhook without any extraction.
    const created = await post("/v1/collections", s.apiKey, {
      collection: "PLnothingHereAtAll0000000000000000",
      callbackUrl: receiver.url("/ytt/collections"),
    });
    expect(created.status).toBe(202);
    const { statusUrl } = (created.json as { job: { statusUrl: string } }).job;
    const [request] = (await receiver.waitForRequests(before + 1, 60_000)).slice(before);
    const verified = new Webhook(secret).verify(request?.body ?? "", request?.headers ?? {});
    expect(verified).toMatchObject({
      type: "collection.failed",
      data: { status: "failed", error: { code: "NOT_FOUND" } },
    });

    // The edge passes the origin's delivery log through: the same message, its one attempt (written
    // once the receiver has answered, so a moment after the request arrived).
    const shown = async () => JobBodySchema.parse((await call(s, statusUrl, { key: s.apiKey })).json);
    await expect.poll(async () => (await shown()).deliveries?.[0]?.status).toBe("delivered");
    const failed = await shown();
    expect(failed.error?.code).toBe("NOT_FOUND");
    expect(failed.deliveries).toEqual([
      {
        id: request?.headers["webhook-id"],
        event: "collection.failed",
        url: receiver.url("/ytt/collections"),
        status: "delivered",
        attempts: [{ at: expect.any(String), statusCode: 200 }],
      },
    ]);
  });
});
