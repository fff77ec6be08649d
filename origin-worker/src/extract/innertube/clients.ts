/**
 * The innertube app clients the fallback routes can speak as (INNERTUBE_CLIENTS picks and orders
 * them). Each app sends its own version, User-Agent and device context; an app request that looks
 * like another app, or like a browser, is a bot signal.
 *
 * Values from yt-dlp, `yt_dlp/extractor/youtube/_base.py` `INNERTUBE_CLIENTS` (commit
 * 01b0bbdd4d53d342588d89c5a598fa897fd1c68e, January 2026: `android`, `ios`). YouTube retires old
 * app versions ("Watch on the latest version of YouTube", yt-dlp#10108), so these need updating
 * from the same source from time to time.
 */

export interface InnertubeClient {
  /** The name in INNERTUBE_CLIENTS and in `context.client.clientName`. */
  name: string;
  /** X-YouTube-Client-Name: the client's numeric id (yt-dlp `INNERTUBE_CONTEXT_CLIENT_NAME`). */
  id: number;
  version: string;
  userAgent: string;
  /** `context.client` without hl/gl, which come from the job's locale. */
  context: Record<string, string | number>;
}

const ANDROID_VERSION = "21.02.35";
const IOS_VERSION = "21.02.3";

export const INNERTUBE_CLIENTS = {
  ANDROID: {
    name: "ANDROID",
    id: 3,
    version: ANDROID_VERSION,
    userAgent: `com.google.android.youtube/${ANDROID_VERSION} (Linux; U; Android 11) gzip`,
    context: {
      clientName: "ANDROID",
      clientVersion: ANDROID_VERSION,
      androidSdkVersion: 30,
      osName: "Android",
      osVersion: "11",
    },
  },
  IOS: {
    name: "IOS",
    id: 5,
    version: IOS_VERSION,
    userAgent: `com.google.ios.youtube/${IOS_VERSION} (iPhone16,2; U; CPU iOS 18_3_2 like Mac OS X;)`,
    context: {
      clientName: "IOS",
      clientVersion: IOS_VERSION,
      deviceMake: "Apple",
      deviceModel: "iPhone16,2",
      osName: "iPhone",
      osVersion: "18.3.2.22D82",
    },
  },
} satisfies Record<string, InnertubeClient>;

const BY_NAME: ReadonlyMap<string, InnertubeClient> = new Map(Object.entries(INNERTUBE_CLIENTS));

export const KNOWN_CLIENT_NAMES = [...BY_NAME.keys()];

/** The clients a configured list names, in its order; throws on a name the registry does not know. */
export function innertubeClients(names: readonly string[]): InnertubeClient[] {
  return names.map((name) => {
    const client = BY_NAME.get(name.toUpperCase());
    if (!client)
      throw new Error(`unknown innertube client ${name} (known: ${KNOWN_CLIENT_NAMES.join(", ")})`);
    return client;
  });
}
