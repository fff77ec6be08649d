import { ERRORS, type ErrorCode, isErrorCode } from "@ytt/shared";
import { beforeAll, describe, expect, it } from "vitest";
import { call, createKey, WORKER_ORIGIN } from "./support/worker.js";

interface Operation {
  operationId?: string;
  responses: Record<string, { description: string; content?: Record<string, { schema: { $ref?: string } }> }>;
}
interface Doc {
  servers?: { url: string }[];
  security?: unknown[];
  paths: Record<string, Record<string, Operation>>;
}

let doc: Doc;
let operations: { method: string; path: string; op: Operation }[];
beforeAll(async () => {
  doc = (await (await call("/openapi.json")).json()) as Doc;
  operations = Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => ({ method, path, op })),
  );
});

describe("the OpenAPI document", () => {
  it("is the committed openapi/openapi.json, which the typecheck lints and generates the client types from", async () => {
    // After changing a route: `pnpm --filter @ytt/edge-worker openapi` rewrites the file and the types.
    await expect(`${JSON.stringify(doc, null, 2)}\n`).toMatchFileSnapshot("../openapi/openapi.json");
  });

  it("names every operation, a server and the key every /v1 operation needs", () => {
    const ids = operations.map(({ op }) => op.operationId);
    expect(ids.every((id) => typeof id === "string")).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(doc.servers?.length).toBeGreaterThan(0);
    expect(doc.security).toEqual([{ apiKey: [] }, { bearer: [] }]);
  });

  it("documents each error status with the catalogue codes that carry it", () => {
    for (const { method, path, op } of operations) {
      for (const [status, response] of Object.entries(op.responses).filter(([s]) => Number(s) >= 400)) {
        const where = `${method} ${path} ${status}`;
        expect(response.content?.["application/json"]?.schema.$ref, where).toBe(
          "#/components/schemas/ErrorBody",
        );
        const codes = response.description
          .split(" ")
          .map((word) => word.replace(":", ""))
          .filter(isErrorCode);
        expect(codes.length, where).toBeGreaterThan(0);
        for (const code of codes) expect(ERRORS[code].status, `${where} ${code}`).toBe(Number(status));
      }
    }
    // The transcript routes pass on whatever the origin answers: every catalogue status but 413
    // (they take no body) and 405 (MCP's alone).
    const statuses = new Set(
      Object.values(ERRORS)
        .map((e) => String(e.status))
        .filter((s) => s !== "413" && s !== "405"),
    );
    for (const path of ["/v1/transcripts/{video}", "/v1/transcripts/{video}/languages"]) {
      const documented = Object.keys(doc.paths[path]?.get?.responses ?? {}).filter((s) => Number(s) >= 400);
      expect(documented.sort(), path).toEqual([...statuses].sort());
    }
    // MCP's own codes are no REST answer's.
    for (const { op } of operations)
      for (const { description } of Object.values(op.responses))
        expect(description).not.toMatch(/METHOD_NOT_ALLOWED|EXTRACTION_PENDING/);
    const notFound: ErrorCode = "LANGUAGE_NOT_AVAILABLE";
    expect(doc.paths["/v1/transcripts/{video}"]?.get?.responses["404"]?.description).toContain(notFound);
  });
});

describe("/llms.txt and /llms-full.txt", () => {
  let key: string;
  beforeAll(async () => {
    key = await createKey("pro");
  });

  it("serve Markdown text for language models, linking to the OpenAPI document and the reference", async () => {
    for (const path of ["/llms.txt", "/llms-full.txt"]) {
      const res = await call(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get("Content-Type"), path).toBe("text/plain; charset=UTF-8");
      const text = await res.text();
      const [title, , summary] = text.split("\n");
      expect(title, path).toBe("# yt-transcript-headless");
      expect(summary?.startsWith("> YouTube transcripts"), path).toBe(true);
      expect(text, path).toContain(`${WORKER_ORIGIN}/openapi.json`);
      expect(text, path).toContain(`${WORKER_ORIGIN}/docs`);
    }
    const index = await (await call("/llms.txt")).text();
    expect(index).toContain(`](${WORKER_ORIGIN}/llms-full.txt)`);
    for (const { method, path, op } of operations) {
      expect(index).toContain(`- [${method.toUpperCase()} ${path}](${WORKER_ORIGIN}/openapi.json#/paths/`);
      expect(index).toContain(`\`${op.operationId}\``);
    }
  });

  it("gives every operation its parameters, responses, errors and a curl call that works", async () => {
    const full = await (await call("/llms-full.txt")).text();
    const sections = full.split("\n## ").slice(1);
    for (const { method, path, op } of operations) {
      const heading = `${method.toUpperCase()} ${path}\n`;
      const section = sections.find((s) => s.startsWith(heading)) ?? "";
      expect(section, heading).toContain(`\`${op.operationId}\``);
      const parameters = (op as { parameters?: { name: string }[] }).parameters ?? [];
      for (const { name } of parameters) expect(section, `${heading} ${name}`).toContain(`- \`${name}\` (`);
      for (const [status, { description }] of Object.entries(op.responses)) {
        expect(section, `${heading} ${status}`).toContain(`- ${status}: ${description}`);
      }
      const answer = await runCurl(section, key);
      // The job route's and the batch webhook's example ids are well-formed but no key's; a
      // collection is a job; a webhook secret is made.
      const expected =
        { "/v1/jobs/{id}": 404, "/v1/webhooks/batches/{id}": 404, "/v1/collections": 202 }[path] ??
        (method === "post" && path === "/v1/webhooks/secret" ? 201 : 200);
      if (!path.startsWith("/v1/transcripts")) expect(answer.status, heading).toBe(expected);
      // The example video is not one the origin stand-in knows: any answer but a bad-request one will do.
      else expect([400, 401], heading).not.toContain(answer.status);
    }
  });
});

/** Sends the section's curl example (`curl [-H …] [-X M] [-d '…'] 'url'`) through the Worker. */
function runCurl(section: string, key: string): Promise<Response> {
  const line = section.split("\n").find((l) => l.startsWith("curl ")) ?? "";
  const url = line.slice(line.lastIndexOf(" '") + 2, -1);
  const bodyAt = line.indexOf(" -d '");
  const body = bodyAt < 0 ? undefined : line.slice(bodyAt + 5, line.indexOf("' ", bodyAt + 5));
  return call(url.slice(WORKER_ORIGIN.length), {
    key: line.includes("Authorization: Bearer") ? key : "",
    method: line.includes(" -X POST ") ? "POST" : "GET",
    ...(body === undefined ? {} : { body, headers: { "Content-Type": "application/json" } }),
  });
}
