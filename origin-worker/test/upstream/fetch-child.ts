import { createUpstreamFetch } from "../../src/upstream/fetch.js";

/**
 * One upstream request in a process of its own, whose NODE_EXTRA_CA_CERTS the parent chose (Node
 * reads it only at start). Prints the status and body, or the error code.
 */
const [url, rules] = process.argv.slice(2);
try {
  const answer = await createUpstreamFetch(rules)(url as string);
  process.stdout.write(JSON.stringify({ status: answer.status, body: answer.body }));
} catch (error) {
  process.stdout.write(JSON.stringify({ error: (error as NodeJS.ErrnoException).code ?? String(error) }));
}
