import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { z } from "zod";

/**
 * The MCP registry's rules for what server.json uses, written down from its schema
 * (https://static.modelcontextprotocol.io/schemas/2025-09-29/server.schema.json: Server, StreamableHttpTransport,
 * KeyValueInput); a file declaring another schema fails, so these rules are updated along with it.
 */
const HeaderSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().min(1),
  isRequired: z.boolean().optional(),
  isSecret: z.boolean().optional(),
  format: z.enum(["string", "number", "boolean", "filepath"]).optional(),
  value: z.string().optional(),
  default: z.string().optional(),
  choices: z.array(z.string()).optional(),
});
const ServerJsonSchema = z.strictObject({
  $schema: z.literal("https://static.modelcontextprotocol.io/schemas/2025-09-29/server.schema.json"),
  name: z
    .string()
    .min(3)
    .max(200)
    .regex(/^[a-zA-Z0-9.-]+\/[a-zA-Z0-9._-]+$/),
  title: z.string().min(1).max(100).optional(),
  description: z.string().min(1).max(100),
  version: z.string().min(1).max(255),
  websiteUrl: z.url().optional(),
  remotes: z
    .array(
      z.strictObject({
        type: z.enum(["streamable-http", "sse"]),
        url: z.url({ protocol: /^https$/ }),
        headers: z.array(HeaderSchema).optional(),
      }),
    )
    .min(1),
});

const manifest: unknown = JSON.parse(readFileSync(new URL("../../../server.json", import.meta.url), "utf8"));

describe("server.json for the MCP registry", () => {
  it("follows the registry schema it declares", () => {
    const result = ServerJsonSchema.safeParse(manifest);
    expect(result.success ? [] : result.error.issues).toEqual([]);
  });

  it("names the Worker's /mcp endpoint over Streamable HTTP, with the API key as a required secret header", () => {
    const { remotes } = ServerJsonSchema.parse(manifest);
    expect(remotes.map((r) => [r.type, new URL(r.url).pathname])).toEqual([["streamable-http", "/mcp"]]);
    expect(remotes[0]?.headers).toEqual([
      expect.objectContaining({ name: "Authorization", isRequired: true, isSecret: true }),
    ]);
    expect(remotes[0]?.headers?.[0]?.description).toMatch(/^"Bearer " followed by your API key/);
  });
});
