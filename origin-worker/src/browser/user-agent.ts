import type { Protocol } from "puppeteer-core";

/**
 * How the browser introduces itself: as the Chrome it is, not as "HeadlessChrome" (a token YouTube,
 * like any bot screen, can match on in the User-Agent and in the Sec-CH-UA client hints), and with
 * client hints that agree with the User-Agent the operator chose (BROWSER_USER_AGENT).
 */
export interface BrowserIdentity {
  userAgent: string;
  userAgentMetadata: Protocol.Emulation.UserAgentMetadata;
  /** navigator.platform to match. */
  platform: string;
}

/** A Chrome User-Agent's version, e.g. "Chrome/126.0.6478.126" (Chromium writes HeadlessChrome when headless). */
const CHROME_VERSION = /(?:Headless)?Chrome\/(\d{1,4})((?:\.\d{1,6}){0,3})/;

/** Whether a User-Agent names a Chrome version (BROWSER_USER_AGENT must: the browser is Chromium). */
export function isChromeUserAgent(userAgent: string): boolean {
  return CHROME_VERSION.test(userAgent);
}

interface Platform {
  /** Sec-CH-UA-Platform */
  name: string;
  /** navigator.platform */
  navigator: string;
  mobile: boolean;
}

function platformOf(userAgent: string): Platform {
  if (userAgent.includes("Android"))
    return { name: "Android", navigator: "Linux armv8l", mobile: userAgent.includes("Mobile") };
  if (userAgent.includes("Windows")) return { name: "Windows", navigator: "Win32", mobile: false };
  if (userAgent.includes("Macintosh")) return { name: "macOS", navigator: "MacIntel", mobile: false };
  if (userAgent.includes("CrOS")) return { name: "Chrome OS", navigator: "Linux x86_64", mobile: false };
  return { name: "Linux", navigator: "Linux x86_64", mobile: false };
}

/**
 * The identity for a User-Agent: the configured one, or the browser's own with HeadlessChrome made
 * Chrome. Brands are Chromium's, with the GREASE brand Chrome sends (its "Not/A)Brand" rotates by
 * version; any such value is what a real Chromium of an unknown version could send).
 */
export function browserIdentity(userAgent: string): BrowserIdentity {
  const chromeAgent = userAgent.replace("HeadlessChrome/", "Chrome/");
  const match = CHROME_VERSION.exec(chromeAgent);
  const major = match?.[1] ?? "0";
  const full = `${major}${match?.[2] || ".0.0.0"}`;
  const platform = platformOf(chromeAgent);
  const grease = { brand: "Not)A;Brand", version: "8" };
  return {
    userAgent: chromeAgent,
    platform: platform.navigator,
    userAgentMetadata: {
      brands: [{ brand: "Chromium", version: major }, { ...grease }],
      fullVersionList: [
        { brand: "Chromium", version: full },
        { brand: grease.brand, version: "8.0.0.0" },
      ],
      fullVersion: full,
      platform: platform.name,
      platformVersion: "",
      architecture: platform.mobile ? "" : "x86",
      model: "",
      mobile: platform.mobile,
      bitness: platform.mobile ? "" : "64",
      wow64: false,
    },
  };
}
