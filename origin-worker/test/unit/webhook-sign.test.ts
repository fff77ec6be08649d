import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { generateWebhookSecret, signWebhook } from "../../src/webhooks/sign.js";

// The Standard Webhooks libraries' own test vector (standard-webhooks/libraries, "test_sign_function").
const VECTOR = {
  secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
};

describe("signWebhook", () => {
  it("gives the specification's signature for its test vector", () => {
    const headers = signWebhook({
      id: VECTOR.id,
      body: VECTOR.body,
      secrets: [VECTOR.secret],
      now: VECTOR.timestamp * 1000,
    });
    expect(headers).toEqual({
      "webhook-id": VECTOR.id,
      "webhook-timestamp": String(VECTOR.timestamp),
      "webhook-signature": VECTOR.signature,
    });
  });

  it("is verified by the standardwebhooks library, which refuses a changed body or id", () => {
    const secret = generateWebhookSecret();
    const body = JSON.stringify({ type: "batch.completed", data: { items: [] } });
    const headers = signWebhook({ id: "msg_abc", body, secrets: [secret] });
    expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
    expect(() => new Webhook(secret).verify(body.replace("[]", "[1]"), { ...headers })).toThrow();
    expect(() => new Webhook(secret).verify(body, { ...headers, "webhook-id": "msg_abd" })).toThrow();
  });

  it("signs with every secret in force, so both sides of a rotation verify", () => {
    const [fresh, previous] = [generateWebhookSecret(), generateWebhookSecret()];
    const body = "{}";
    const headers = signWebhook({ id: "msg_rotating", body, secrets: [fresh, previous] });
    expect(headers["webhook-signature"].split(" ")).toHaveLength(2);
    expect(() => new Webhook(fresh).verify(body, { ...headers })).not.toThrow();
    expect(() => new Webhook(previous).verify(body, { ...headers })).not.toThrow();
    expect(() => new Webhook(generateWebhookSecret()).verify(body, { ...headers })).toThrow();
  });

  it("makes whsec_ secrets of 32 random bytes", () => {
    const secrets = new Set(Array.from({ length: 20 }, generateWebhookSecret));
    expect(secrets.size).toBe(20);
    for (const secret of secrets) {
      expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      expect(Buffer.from(secret.slice(6), "base64")).toHaveLength(32);
    }
  });

  it("refuses to sign without a secret or with one not in whsec_ form", () => {
    expect(() => signWebhook({ id: "msg_1", body: "{}", secrets: [] })).toThrow();
    expect(() => signWebhook({ id: "msg_1", body: "{}", secrets: ["plain-secret"] })).toThrow();
  });
});
