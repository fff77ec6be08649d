import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { ApiError, isErrorCode, JobBodySchema, LanguageListSchema, TranscriptSchema } from "@ytt/shared";
import type { AppEnv } from "../app-env.js";
import { pendingJob, writeFailure, writeSuccess } from "../cache/store.js";
import {
  callOrigin,
  edgeJob,
  interpretAnswer,
  isCacheableFailure,
  originUnavailable,
} from "../forward/origin.js";
import { metered, validationHook } from "./request.js";
import { errorResponses, JobParamSchema } from "./schemas.js";

const jobRoute = createRoute({
  method: "get",
  path: "/v1/jobs/{id}",
  summary: "The status of a pending request and, once done, its result",
  // Polling costs no quota (the request that started the job paid), but counts towards the burst limit.
  ...metered(0),
  request: { params: JobParamSchema },
  responses: {
    200: { description: "The job", content: { "application/json": { schema: JobBodySchema } } },
    404: errorResponses[400],
    ...errorResponses,
  },
});

export const jobs = new OpenAPIHono<AppEnv>({ defaultHook: validationHook }).openapi(jobRoute, async (c) => {
  const { id } = c.req.valid("param");
  const { config, requestId, caller } = c.var;
  const raw = await callOrigin({ config, requestId, caller }, "GET", `/v1/jobs/${encodeURIComponent(id)}`);
  if (raw.status !== 200) {
    const answer = interpretAnswer("transcript", raw);
    throw answer.type === "error" ? answer.error : originUnavailable("bad-response");
  }
  const parsed = JobBodySchema.safeParse(raw.body);
  if (!parsed.success) throw originUnavailable("bad-response");
  const job = parsed.data;
  const pending = await pendingJob(c.env.TRANSCRIPTS, id);
  if (pending && job.job.status === "completed" && job.result) {
    const schema = pending.kind === "transcript" ? TranscriptSchema : LanguageListSchema;
    const result = schema.safeParse(job.result);
    if (result.success)
      await writeSuccess(c.env.TRANSCRIPTS, config, pending.hash, pending.kind, result.data);
  } else if (pending && job.job.status === "failed" && job.error && isErrorCode(job.error.code)) {
    const error = new ApiError(job.error.code, { message: job.error.message, details: job.error.details });
    if (isCacheableFailure(error)) {
      await writeFailure(c.env.TRANSCRIPTS, config, pending.hash, pending.kind, error.status, {
        error: { ...job.error, code: error.code },
        requestId,
      });
    }
  }
  return c.json(edgeJob(job, requestId), 200, { "Cache-Control": "no-store" });
});
