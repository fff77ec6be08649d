import { startYoutubeDouble } from "./server.js";

/** POT_DELAY_MS="min-max", e.g. "100-300". */
function potDelayRange(value: string): [number, number] {
  const [min, max] = value.split("-").map(Number);
  if (!Number.isFinite(min) || !Number.isFinite(max))
    throw new Error(`POT_DELAY_MS must be min-max, not ${value}`);
  return [min as number, max as number];
}

/**
 * The double as a process, for the local stack: `tsx test/youtube-double/src/main.ts`. PORT (default
 * 8443) serves every impersonated host over TLS; CONTROL_PORT (default 8790) the /__double/* endpoints.
 */
const double = await startYoutubeDouble({
  port: Number(process.env.PORT ?? 8443),
  controlPort: Number(process.env.CONTROL_PORT ?? 8790),
  host: process.env.HOST ?? "127.0.0.1",
  consentEverywhere: process.env.CONSENT_EVERYWHERE === "1",
  ...(process.env.POT_DELAY_MS ? { potDelayMs: potDelayRange(process.env.POT_DELAY_MS) } : {}),
});
console.log(`youtube double serving ${double.hostRules} (control ${double.controlUrl})`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    double.close().then(() => process.exit(0));
  });
}
