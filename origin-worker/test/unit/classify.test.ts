import type { ApiError } from "@ytt/shared";
import { consentPageHtml, readCapture } from "@ytt/youtube-double";
import { describe, expect, it } from "vitest";
import { classifyPlayability, detectInterstitial } from "../../src/extract/classify.js";

/** Refusals YouTube sends in 2025–2026 that are about our session, not the video: retryable blocks. */

const json = (name: string) => JSON.parse(readCapture(name));

const verdict = (error: ApiError | null) =>
  error && { code: error.code, retryable: error.retryable, details: error.details };

const unavailable = (subreason: string, status = "ERROR") => ({
  playabilityStatus: {
    status,
    reason: "Video unavailable",
    errorScreen: {
      playerErrorMessageRenderer: {
        reason: { simpleText: "Video unavailable" },
        subreason: { runs: [{ text: subreason }] },
      },
    },
  },
});

describe("session refusals become BLOCKED_BY_YOUTUBE (retryable)", () => {
  it("the bot check (captured: LOGIN_REQUIRED, 'Sign in to confirm you’re not a bot')", () => {
    expect(verdict(classifyPlayability(json("youtube_request_blocked.innertube.json")))).toEqual({
      code: "BLOCKED_BY_YOUTUBE",
      retryable: true,
      details: { reason: "Sign in to confirm you\u2019re not a bot" },
    });
  });

  it("the session rate limit, with either apostrophe, as ERROR or UNPLAYABLE", () => {
    for (const [text, status] of [
      ["This content isn\u2019t available, try again later.", "ERROR"],
      ["This content isn't available, try again later.", "UNPLAYABLE"],
    ] as const) {
      expect(verdict(classifyPlayability(unavailable(text, status)))).toEqual({
        code: "BLOCKED_BY_YOUTUBE",
        retryable: true,
        details: { status, reason: "Video unavailable", subreasons: [text] },
      });
    }
  });

  it("a captcha before playback (errorScreen.playerCaptchaViewModel), wherever the error screen puts it", () => {
    const onScreen = {
      playabilityStatus: { status: "UNPLAYABLE", errorScreen: { playerCaptchaViewModel: {} } },
    };
    const inRenderer = {
      playabilityStatus: {
        status: "UNPLAYABLE",
        errorScreen: { playerErrorMessageRenderer: { playerCaptchaViewModel: {}, subreason: { runs: [] } } },
      },
    };
    for (const response of [onScreen, inRenderer]) {
      expect(verdict(classifyPlayability(response))).toEqual({
        code: "BLOCKED_BY_YOUTUBE",
        retryable: true,
        details: { reason: "captcha before playback", status: "UNPLAYABLE" },
      });
    }
  });
});

describe("video refusals stay definitive", () => {
  it("an unavailable video (captured) and other subreasons are not blocks", () => {
    expect(classifyPlayability(json("youtube_video_unavailable.innertube.json"))?.code).toBe(
      "VIDEO_UNAVAILABLE",
    );
    expect(classifyPlayability(unavailable("This video has been removed by the uploader"))?.code).toBe(
      "VIDEO_UNAVAILABLE",
    );
    expect(classifyPlayability(json("youtube_age_restricted.innertube.json"))?.code).toBe("AGE_RESTRICTED");
  });
});

describe("interstitials told from watch pages", () => {
  const capture = (name: string) => readCapture(name);

  it("today's consent page (consent.youtube.com/save, set_eom) is a consent interstitial that can be answered", () => {
    const html = consentPageHtml({
      continueUrl: "https://www.youtube.com/watch?v=GJLlxj_dtq8",
      gl: "DE",
      hl: "en",
    });
    expect(detectInterstitial(html)).toEqual({ kind: "consent", acceptable: true });
  });

  it("a watch page whose description says 'unusual traffic' is not a captcha", () => {
    const page = capture("youtube.html").replace(
      "<title>",
      "<title>Why unusual traffic slows your network - ",
    );
    expect(page).toContain("unusual traffic");
    expect(detectInterstitial(page)).toBeNull();
    expect(detectInterstitial(capture("youtube_too_many_requests.html"))).toEqual({ kind: "captcha" });
  });
});
