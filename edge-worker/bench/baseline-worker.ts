/** The baseline: a Worker that returns a fixed JSON body, served by the same `wrangler dev` runtime. */
const BODY = JSON.stringify({ status: "ok", message: "fixed response for the benchmark baseline" });

export default {
  fetch(): Response {
    return new Response(BODY, { headers: { "Content-Type": "application/json" } });
  },
} satisfies ExportedHandler;
