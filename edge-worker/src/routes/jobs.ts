import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { ApiError, type JobBody, JobBodySchema } from "@ytt/shared";
import type { AppEnv } from "../app-env.js";
import { readAnswer, type StoredAnswer } from "../cache/store.js";
import { readJobToken } from "../forward/job-token.js";
import { callOrigin, edgeJob, interpretAnswer, originUnavailable } from "../forward/origin.js";
import { keyed, validationHook } from "./request.js";
import { errorResponses, JobParamSchema } from "./schemas.js";

const jobRoute = createRoute({
  method: "get",
  path: "/v1/jobs/{id}",
  summary: "The status of a pending request and, once done, its result",
  description:
    "The id is the job token a 202 answer gave this API key; another key's poll of it is a 404. Polling costs no quota, but counts towards the burst limit.",
  ...keyed,
  request: { params: JobParamSchema },
  responses: {
    200: { description: "The job", content: { "application/json": { schema: JobBodySchema } } },
    404: errorResponses[400],
    ...errorResponses,
  },
});

/** A finished job's answer from the edge store, in the job body's shape. */
function fromStore(token: string, entry: StoredAnswer, requestId: string): JobBody {
  const job = { id: token, statusUrl: `/v1/jobs/${token}` };
  if (entry.outcome === "ok") return { job: { ...job, status: "completed" }, result: entry.body, requestId };
  return { job: { ...job, status: "failed" }, error: entry.body.error, requestId };
}

export const jobs = new OpenAPIHono<AppEnv>({ defaultHook: validationHook }).openapi(jobRoute, async (c) => {
  const { id: token } = c.req.valid("param");
  const { config, requestId, caller } = c.var;
  const job = await readJobToken(config, caller, token);
  if (!job) throw new ApiError("NOT_FOUND", { message: "No such job, or it has expired." });
  const noStore = { "Cache-Control": "no-store" };
  // The origin's job id is the request hash the edge store keys answers by: a job finished since the
  // token was handed out is read here (an older, stale entry is what the job is replacing).
  const stored = await readAnswer(c.env.TRANSCRIPTS, job.jobId);
  const finishedSince = stored && stored.kind === job.kind && stored.storedAt >= job.issuedAt - 1000;
  if (finishedSince) return c.json(fromStore(token, stored, requestId), 200, noStore);
  const raw = await callOrigin({ config, requestId, caller }, "GET", `/v1/jobs/${job.jobId}`);
  if (raw.status !== 200) {
    const answer = interpretAnswer(job.kind, raw);
    throw answer.type === "error" ? answer.error : originUnavailable("bad-response");
  }
  const parsed = JobBodySchema.safeParse(raw.body);
  if (!parsed.success) throw originUnavailable("bad-response");
  return c.json(edgeJob(parsed.data, requestId, token), 200, noStore);
});
