/**
 * POST /mcp: the Model Context Protocol over Streamable HTTP, stateless. Each request gets its own
 * server and transport (no session to keep between requests, which suits a Worker), answering its
 * one JSON-RPC message in JSON rather than an event stream. Auth, the per-address and burst limits
 * and the quota are the same middleware as /v1 (index.ts); the tools are in tools.ts.
 */

import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import {
  CallToolRequestSchema,
  type CallToolResult,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
} from "@modelcontextprotocol/sdk/types.js";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/cfworker";
import { ApiError, errorBody } from "@ytt/shared";
import { type Context, Hono } from "hono";
import type { AppEnv } from "../app-env.js";
import { ownKeyOnly } from "../auth/demo.js";
import { errorResponse } from "../errors.js";
import { burstLimit } from "../rate-limit/middleware.js";
import { bodyUpTo } from "../routes/request.js";
import { MCP_MAX_BODY_BYTES } from "./limits.js";
import { TOOLS } from "./tools.js";

const INSTRUCTIONS =
  "Transcripts (captions) of YouTube videos. Give a video as its ID or any YouTube link. Start with get_transcript; use list_languages when the language you want may not exist, get_video_info for title, channel and chapters, search_transcript to find where something is said. A tool error's text is JSON with error.code: TRANSCRIPTS_DISABLED, LANGUAGE_NOT_AVAILABLE, VIDEO_PRIVATE and the other 4xx codes will not change on retry; RATE_LIMITED, QUOTA_EXCEEDED, BLOCKED_BY_YOUTUBE and EXTRACTION_PENDING say to retry after error.details.retryAfterSeconds.";

/** A refusal as a tool result: our error body, so a model tells "no captions" from "try later". */
function toolError(c: Context<AppEnv>, e: unknown): CallToolResult {
  const requestId = c.var.requestId;
  if (!(e instanceof ApiError))
    // As onError does for REST: the message in our logs, the catalogue's INTERNAL to the caller.
    console.error(JSON.stringify({ level: "error", requestId, error: String(e) }));
  const body = errorBody(e instanceof ApiError ? e : new ApiError("INTERNAL"), requestId);
  return { content: [{ type: "text", text: JSON.stringify(body) }], isError: true };
}

function mcpServer(c: Context<AppEnv>): Server {
  const server = new Server(
    { name: "yt-transcript-headless", title: "YouTube transcripts", version: "1.0.0" },
    {
      capabilities: { tools: { listChanged: false } },
      instructions: INSTRUCTIONS,
      // Ajv, the SDK's default, compiles validators to code, which workerd does not allow.
      jsonSchemaValidator: new CfWorkerJsonSchemaValidator(),
    },
  );
  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: TOOLS.map(({ name, title, description, inputSchema, outputSchema }) => ({
      name,
      title,
      description,
      inputSchema: inputSchema as { type: "object" },
      ...(outputSchema ? { outputSchema: outputSchema as { type: "object" } } : {}),
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: true },
    })),
  }));
  server.setRequestHandler(CallToolRequestSchema, async (request) => {
    const tool = TOOLS.find((t) => t.name === request.params.name);
    // An unknown tool is a protocol error (the client asked for what tools/list did not offer), not a refusal.
    if (!tool) throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${request.params.name}`);
    try {
      return await tool.call(c, request.params.arguments);
    } catch (e) {
      return toolError(c, e);
    }
  });
  return server;
}

/**
 * The request's one JSON-RPC message. JSON-RPC batches (arrays) are refused: MCP dropped them in
 * 2025-06-18, and the SDK would run up to 100 of a batch's calls at once, each reading a transcript
 * and asking the origin, for one count of the burst limit. One message a POST keeps a tool call one
 * count, as a REST request is.
 */
async function oneMessage(c: Context<AppEnv>): Promise<unknown> {
  let message: unknown;
  try {
    message = JSON.parse(await c.req.text());
  } catch {
    throw new ApiError("INVALID_REQUEST", { message: "The body is not JSON." });
  }
  if (Array.isArray(message))
    throw new ApiError("INVALID_REQUEST", {
      message:
        "JSON-RPC batches are not supported (MCP 2025-06-18 removed them): send one message a request.",
    });
  return message;
}

export const mcp = new Hono<AppEnv>()
  // The web page, the demo key's one user, does not speak MCP: the key is refused here as for batch.
  .use("/mcp", ownKeyOnly, burstLimit)
  .post("/mcp", bodyUpTo(MCP_MAX_BODY_BYTES), async (c) => {
    const parsedBody = await oneMessage(c);
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    await mcpServer(c).connect(transport);
    return transport.handleRequest(c.req.raw, { parsedBody });
  })
  // Stateless: no event stream to open (GET) and no session to end (DELETE). 405 is how the
  // transport spec says so; clients then carry on with POST alone.
  .on(["GET", "DELETE"], "/mcp", (c) => {
    const refusal = errorResponse(
      c,
      new ApiError("METHOD_NOT_ALLOWED", {
        message: "The MCP endpoint takes POST only: it is stateless, with no event stream or session.",
      }),
    );
    refusal.headers.set("Allow", "POST");
    return refusal;
  });
