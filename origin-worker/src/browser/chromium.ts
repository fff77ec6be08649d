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

export interface ChromiumFlagsOptions {
  locale: string;
  proxy?: string | undefined;
  upstream?: UpstreamOverride | undefined;
}

/** Flags every launch uses (the developer guide's list), plus locale, proxy and the test-only upstream override. */
export function chromiumArgs({ locale, proxy, upstream }: ChromiumFlagsOptions): string[] {
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
    ...(proxy ? [`--proxy-server=${proxy}`] : []),
    ...(upstream?.hostRules ? [`--host-resolver-rules=${upstream.hostRules}`] : []),
    ...(upstream?.trustedSpki ? [`--ignore-certificate-errors-spki-list=${upstream.trustedSpki}`] : []),
  ];
}
