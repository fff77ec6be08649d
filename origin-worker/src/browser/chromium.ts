import { accessSync, constants } from "node:fs";

/** Where Debian, Ubuntu and Google put Chromium; the first executable one is used. */
const CANDIDATES = [
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/usr/bin/google-chrome",
  "/usr/bin/google-chrome-stable",
  "/snap/bin/chromium",
];

export function findChromium(configured?: string): string {
  for (const path of configured ? [configured] : CANDIDATES) {
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not here; try the next place
    }
  }
  throw new Error(
    configured
      ? `Chromium not found or not executable at ${configured}`
      : `Chromium not found (looked in ${CANDIDATES.join(", ")}); set the Chromium path`,
  );
}

/** Test-only routing of YouTube's real hostnames to a double (see UPSTREAM_HOST_RULES in the config). */
export interface UpstreamOverride {
  /** Chromium --host-resolver-rules syntax, e.g. "MAP * 127.0.0.1:8443". */
  hostRules?: string | undefined;
  /** base64 SHA-256 of the SPKI of the one extra server key to trust. */
  trustedSpki?: string | undefined;
}

/** A proxy nothing listens on (port 9, discard, is never served on loopback here). */
const NOWHERE = "http://127.0.0.1:9";

/** The proxy setting of a job's browser context that goes straight out (no proxy pool). */
export const DIRECT = "direct://";

/** Where the jobs' local proxy forwarders listen (egress/forwarder.ts), kept out of host rules. */
const FORWARDERS_EXCLUDED = "EXCLUDE 127.0.0.1";

export interface ChromiumFlagsOptions {
  locale: string;
  upstream?: UpstreamOverride | undefined;
}

/**
 * Flags every launch uses (the developer guide's list), plus locale and the test-only upstream
 * override. No --proxy-server: each job's browser context gets its own proxy (egress/).
 */
export function chromiumArgs({ locale, upstream }: ChromiumFlagsOptions): string[] {
  return [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--disable-extensions",
    "--mute-audio",
    "--disable-features=Translate,MediaRouter,OptimizationHints",
    `--lang=${locale}`,
    // The browser's own requests (account checks, update pings) go nowhere: only jobs' contexts,
    // each with its proxy or "direct://" (browser-host.ts), reach the network.
    `--proxy-server=${NOWHERE}`,
    // The jobs' proxy forwarders listen on 127.0.0.1: a rule like "MAP * …" must not send them to the double.
    ...(upstream?.hostRules ? [`--host-resolver-rules=${upstream.hostRules}, ${FORWARDERS_EXCLUDED}`] : []),
    ...(upstream?.trustedSpki ? [`--ignore-certificate-errors-spki-list=${upstream.trustedSpki}`] : []),
  ];
}
