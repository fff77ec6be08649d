/**
 * POST /mcp: the Model Context Protocol over Streamable HTTP, stateless. Each request gets its own
 * server and transport (no session to keep between requests, which suits a Worker), answering in
 * JSON rather than an event stream. Auth, the per-address and burst limits and the quota are the
 * same middleware as /v1 (index.ts); the tools are in tools.ts.
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
import { burstLimit } from "../rate-limit/middleware.js";
import { StillPending, TOOLS } from "./tools.js";

const INSTRUCTIONS =
  "Transcripts (captions) of YouTube videos. Give a video as its ID or any YouTube link. Start with get_transcript; use list_languages when the language you want may not exist, get_video_info for title, channel and chapters, search_transcript to find where something is said. A tool error's text is JSON with error.code: TRANSCRIPTS_DISABLED, LANGUAGE_NOT_AVAILABLE, VIDEO_PRIVATE and the other 4xx codes will not change on retry; RATE_LIMITED, QUOTA_EXCEEDED, BLOCKED_BY_YOUTUBE and EXTRACTION_PENDING say to retry after error.details.retryAfterSeconds.";

/** A refusal as a tool result: our error body, so a model tells "no captions" from "try later". */
function toolError(c: Context<AppEnv>, e: unknown): CallToolResult {
  const requestId = c.var.requestId;
  let body: unknown;
  if (e instanceof ApiError) body = errorBody(e, requestId);
  else if (e instanceof StillPending)
    body = {
      error: {
        code: StillPending.code,
        message: e.message,
        retryable: true,
        details: {
          retryAfterSeconds: e.retryAfterSeconds,
          job: e.jobToken,
          statusUrl: `/v1/jobs/${e.jobToken}`,
        },
      },
      requestId,
    };
  else {
    // As onError does for REST: the message in our logs, the catalogue's INTERNAL to the caller.
    console.error(JSON.stringify({ level: "error", requestId, error: String(e) }));
    body = errorBody(new ApiError("INTERNAL"), requestId);
  }
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

export const mcp = new Hono<AppEnv>()
  .use("/mcp", burstLimit)
  .post("/mcp", async (c) => {
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    await mcpServer(c).connect(transport);
    return transport.handleRequest(c.req.raw);
  })
  // Stateless: no event stream to open (GET) and no session to end (DELETE). 405 is how the
  // transport spec says so; clients then carry on with POST alone.
  .on(["GET", "DELETE"], "/mcp", (c) =>
    c.json(
      errorBody(
        new ApiError("INVALID_REQUEST", {
          message: "The MCP endpoint takes POST only: it is stateless, with no event stream or session.",
        }),
        c.var.requestId,
      ),
      405,
      { Allow: "POST", "Cache-Control": "no-store" },
    ),
  );
