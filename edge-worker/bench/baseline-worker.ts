/**
 * The baselines: a Worker that returns a fixed JSON body, served by the same `wrangler dev` runtime.
 * Under floor.wrangler.jsonc it also pays what a cache hit cannot avoid on this platform: the static
 * assets router in front (the edge serves its web page) and one count of a rate-limiting binding per
 * request, after the answer (every request counts towards the burst limit).
 */
const BODY = JSON.stringify({ status: "ok", message: "fixed response for the benchmark baseline" });

interface BaselineEnv {
  LIMITER?: RateLimit;
}

export default {
  fetch(_request, env, ctx): Response {
    if (env.LIMITER) ctx.waitUntil(env.LIMITER.limit({ key: "bench" }));
    return new Response(BODY, { headers: { "Content-Type": "application/json" } });
  },
} satisfies ExportedHandler<BaselineEnv>;
