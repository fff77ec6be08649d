import { afterAll, afterEach, beforeAll } from "vitest";
import {
  leftoverProcesses,
  metricSum,
  printLog,
  type Stack,
  type StackOptions,
  startStack,
} from "../stack/index.js";

export {
  type Answer,
  type CallOptions,
  call,
  callMany,
  clientIp,
  errorCode,
  pollJob,
  total,
} from "../stack/client.js";
export { forgetOriginResults } from "../stack/index.js";

/**
 * One stack per test file, started in beforeAll and stopped in afterAll (which also checks that no
 * process outlived it). Logs stay quiet unless STACK_LOGS=1; a failing test prints their tail.
 */
export function useStack(options: StackOptions | (() => Promise<StackOptions>)): () => Stack {
  let stack: Stack | undefined;
  beforeAll(async () => {
    const resolved = typeof options === "function" ? await options() : options;
    stack = await startStack({
      youtube: "double",
      // The pot race is the engine tests' subject; here the near end of the delay keeps the suite quick.
      doublePotDelayMs: [100, 300],
      ...(process.env.STACK_LOGS === "1" ? { log: printLog } : { log: () => {} }),
      ...resolved,
    });
  });
  afterEach((ctx) => {
    if (ctx.task.result?.state === "fail" && stack) console.error(stack.recentLogs());
  });
  afterAll(async () => {
    if (!stack) return;
    await stack.close();
    const leftovers = leftoverProcesses(stack);
    if (leftovers.length) throw new Error(`processes outlived the stack: ${JSON.stringify(leftovers)}`);
  });
  return () => {
    if (!stack) throw new Error("the stack did not start");
    return stack;
  };
}

/** Signed requests the origin API has answered so far (its /metrics), to prove the edge did not call it. */
export function originRequestCount(stack: Stack): Promise<number> {
  return metricSum(stack.opsUrl, "origin_http_requests_total");
}

/** What the double saw of YouTube traffic (its `requests` counter also counts the stats calls themselves). */
export async function youtubeTraffic(stack: Stack) {
  const stats = await stack.double?.stats();
  if (!stats) throw new Error("the stack runs without the YouTube double");
  const { watchPages, timedtext, timedtextServed, innertube } = stats;
  return { watchPages, timedtext, timedtextServed, innertube };
}
