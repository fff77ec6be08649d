import { startYoutubeDouble } from "./server.js";

/** The double as a process, for the local stack: `tsx test/youtube-double/src/main.ts` (PORT, default 8790). */
const port = Number(process.env.PORT ?? 8790);
const double = await startYoutubeDouble({
  port,
  host: process.env.HOST ?? "127.0.0.1",
  consentEverywhere: process.env.CONSENT_EVERYWHERE === "1",
});
console.log(`youtube double listening on ${double.origin}`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    double.close().then(() => process.exit(0));
  });
}
