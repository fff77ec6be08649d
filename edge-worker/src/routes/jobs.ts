import { createRoute, OpenAPIHono, type RouteConfigToTypedResponse, z } from "@hono/zod-openapi";
import { ApiError, NEXT_CURSOR_HEADER } from "@ytt/shared";
import type { AppEnv } from "../app-env.js";
import { readJobToken } from "../forward/job-token.js";
import { jobStatus } from "../resolve.js";
import { collectionStatus } from "./collections.js";
import { keyed, resolveContext, validationHook } from "./request.js";
import { errorResponses, JobBody, JobParamSchema, JobQuerySchema, KEYED_ERRORS } from "./schemas.js";

const jobRoute = createRoute({
  method: "get",
  path: "/v1/jobs/{id}",
  operationId: "getJob",
  summary: "The status of a pending request and, once done, its result",
  description:
    "The id is the job token a 202 answer gave this API key; another key's poll of it is a 404. Polling costs no quota, but counts towards the burst limit. A collection's job shows its progress, a page of its items (cursor, limit) and, with a callbackUrl, its webhook's deliveries; format=jsonl streams its finished items' results instead, one JSON line per video, a page at a time (X-Next-Cursor names the next).",
  ...keyed,
  request: { params: JobParamSchema, query: JobQuerySchema },
  responses: {
    200: {
      description: "The job",
      headers: z.object({
        [NEXT_CURSOR_HEADER]: z.string().optional().openapi({
          description:
            "format=jsonl, collections only: the cursor of the next page of JSON lines; absent on the last page.",
        }),
      }),
      content: {
        "application/json": { schema: JobBody },
        "application/jsonl": {
          schema: z.string().openapi({
            description:
              "format=jsonl, collections only: one line per finished video, in order: {index, videoId, status, body} or {index, videoId, status, error}",
          }),
        },
      },
    },
    // A finished job's failure is in the 200's `error`; these are about the poll itself.
    ...errorResponses([...KEYED_ERRORS, "NOT_FOUND", "ORIGIN_UNAVAILABLE"]),
  },
});

export const jobs = new OpenAPIHono<AppEnv>({ defaultHook: validationHook }).openapi(jobRoute, async (c) => {
  const { id: token } = c.req.valid("param");
  const job = await readJobToken(c.var.config, c.var.caller, token);
  if (!job) throw new ApiError("NOT_FOUND", { message: "No such job, or it has expired." });
  if (job.kind === "collection") {
    // JSON or JSON lines, as the route's two contents say.
    const answer = await collectionStatus(c, job, token, c.req.valid("query"));
    return answer as unknown as RouteConfigToTypedResponse<typeof jobRoute>;
  }
  return c.json(await jobStatus(resolveContext(c), job, token), 200, { "Cache-Control": "no-store" });
});
