import { describe, expect, it } from "vitest";
import { call, createKey, videoId } from "./support/worker.js";

describe("smoke", () => {
  it("serves a transcript", async () => {
    const key = await createKey();
    const res = await call(`/v1/transcripts/${videoId("ok")}`, { key });
    console.log(res.status, [...res.headers], await res.text());
  });
});
