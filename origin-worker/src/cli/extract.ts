/**
 * `pnpm --filter @ytt/origin-worker extract <video> [options]`: one extraction in this process, with
 * the worker's configuration (its environment variables) and its engine. The contract, relied on
 * outside the repository (README, "Tools for operators"):
 *   stdout  the transcript model or language list as one line of JSON, the rendered transcript with
 *           --format text|srt|vtt, or on failure the error JSON the API answers ({error, requestId});
 *   stderr  the route trail, one `route=<name> outcome=<outcome> ms=<n>` line per route tried;
 *   exit    0 success, 1 permanent error (bad arguments included), 2 retryable error.
 */
import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import {
  ApiError,
  errorBody,
  invalidRequest,
  type LanguageList,
  parseVideoRef,
  renderTranscript,
  type Transcript,
  type TranscriptFormat,
  TranscriptFormatSchema,
  TranscriptQuerySchema,
  toTranscriptRequest,
  type WorkRequest,
} from "@ytt/shared";
import { loadEngineConfig } from "../config.js";
import type { Engine } from "../extract/engine.js";
import { createEngineFromConfig, upstreamOverrideWarning } from "../extract/from-config.js";
import { asApiError, EXIT_OK, exitCodeOf, exitWith } from "./process.js";

const USAGE = `usage: extract <video ID or link> [--lang en,de] [--kind manual|asr|any] [--tlang xx]
               [--fallback error|any] [--format json|text|srt|vtt]
       extract <video ID or link> --languages`;

/** The API's query parameters, and the format (JSON unless asked, as at the API). */
const OptionsSchema = TranscriptQuerySchema.extend({ format: TranscriptFormatSchema.default("json") });

interface Command {
  work: WorkRequest;
  format: TranscriptFormat;
}

/** The arguments as the API would read the same request: shared parsing and normalisation, same errors. */
function parseCommand(argv: string[]): Command {
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions(argv);
  } catch (error) {
    throw new ApiError("INVALID_REQUEST", { message: (error as Error).message });
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1)
    throw new ApiError("INVALID_REQUEST", { message: "expected one video ID or link" });
  const ref = parseVideoRef(positionals[0] ?? "");
  if (!ref.ok) throw new ApiError("INVALID_VIDEO_REFERENCE", { details: { reason: ref.reason } });
  const { languages, ...query } = values;
  if (languages) {
    // The API's languages call takes no query either: refuse rather than silently ignore.
    const given = Object.keys(query);
    if (given.length > 0)
      throw new ApiError("INVALID_REQUEST", { message: `--languages takes no --${given.join(", --")}` });
    const request = toTranscriptRequest(ref.videoId, TranscriptQuerySchema.parse({}));
    return { work: { kind: "languages", request }, format: "json" };
  }
  const options = OptionsSchema.safeParse(query);
  if (!options.success) throw invalidRequest(options.error.issues);
  const { format, ...transcriptQuery } = options.data;
  return { work: { kind: "transcript", request: toTranscriptRequest(ref.videoId, transcriptQuery) }, format };
}

function parseOptions(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      lang: { type: "string" },
      kind: { type: "string" },
      tlang: { type: "string" },
      fallback: { type: "string" },
      format: { type: "string" },
      languages: { type: "boolean" },
    },
  });
}

function render(result: Transcript | LanguageList, format: TranscriptFormat): string {
  if (format === "json" || !("segments" in result)) return `${JSON.stringify(result)}\n`;
  return renderTranscript(result, format).body;
}

/** What the process prints on stdout and exits with. */
interface Answer {
  code: number;
  stdout: string;
}

const requestId = randomUUID();
const failure = (error: ApiError): Answer => ({
  code: exitCodeOf(error),
  stdout: `${JSON.stringify(errorBody(error, requestId))}\n`,
});

async function main(argv: string[]): Promise<Answer> {
  let command: Command;
  try {
    command = parseCommand(argv);
  } catch (error) {
    process.stderr.write(`${USAGE}\n`);
    return failure(asApiError(error));
  }
  let engine: Engine;
  try {
    const config = loadEngineConfig();
    const warning = upstreamOverrideWarning(config);
    if (warning) process.stderr.write(`warning: ${warning}\n`);
    engine = createEngineFromConfig(config, {
      onRouteOutcome: (route, outcome, ms) =>
        process.stderr.write(`route=${route} outcome=${outcome} ms=${ms}\n`),
    });
  } catch (error) {
    // A bad environment (a setting, no Chromium) is the operator's mistake like a bad argument: permanent until fixed.
    return failure(asApiError(error, "INVALID_REQUEST"));
  }
  try {
    return { code: EXIT_OK, stdout: render(await engine.run(command.work, { requestId }), command.format) };
  } catch (error) {
    return failure(asApiError(error));
  } finally {
    await engine.close();
  }
}

const { code, stdout } = await main(process.argv.slice(2));
await exitWith(code, stdout);
