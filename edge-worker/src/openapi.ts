import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "./app-env.js";
import { llmsFull, llmsIndex } from "./llms.js";
import { security } from "./routes/schemas.js";

type OpenApiDocument = ReturnType<OpenAPIHono["getOpenAPI31Document"]>;

const HEAD = {
  openapi: "3.1.0",
  info: {
    title: "yt-transcript-headless",
    version: "1.0.0",
    description:
      "YouTube transcripts over HTTPS, in JSON, text, SRT, WebVTT or Markdown. Authenticate with an API key (X-API-Key or Bearer). Errors are `{ error: { code, message, retryable, details? }, requestId }`, each code with a fixed status.",
  },
  // Relative: every deployment serves its own document, so the API is wherever it was fetched from.
  servers: [{ url: "/", description: "The host that served this document" }],
  // Every /v1 operation needs a key; the public ones (/health) say `security: []`.
  security,
} satisfies Parameters<OpenAPIHono["getOpenAPI31Document"]>[0];

/**
 * The API's descriptions, all built from the app's route registry: `/openapi.json`, and `/llms.txt`
 * and `/llms-full.txt` (llmstxt.org) for language models, which render that same document.
 */
export function serveDescriptions(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerComponent("securitySchemes", "apiKey", {
    type: "apiKey",
    in: "header",
    name: "X-API-Key",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer" });
  // Routes are all registered when the module loads, so one isolate builds the document once.
  let document: OpenApiDocument | undefined;
  const built = () => {
    document ??= app.getOpenAPI31Document(HEAD);
    return document;
  };
  const cached = { "Cache-Control": "public, max-age=300" };
  app.get("/openapi.json", (c) => c.json(built(), 200, cached));
  app.get("/llms.txt", (c) => c.text(llmsIndex(built(), new URL(c.req.url).origin), 200, cached));
  app.get("/llms-full.txt", (c) => c.text(llmsFull(built(), new URL(c.req.url).origin), 200, cached));
}
