import { type Logger, pino } from "pino";

export type { Logger };

/** JSON lines on stdout; request ids travel as `requestId`, secrets and signatures are redacted wherever they appear. */
export function createLogger(level: string, bindings: Record<string, unknown>): Logger {
  return pino({
    level,
    base: bindings,
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ["*.authorization", "*.secret", "*['cf-access-client-secret']", "*['x-signature']"],
      censor: "[redacted]",
    },
  });
}
