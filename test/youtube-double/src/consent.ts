/**
 * The current EU consent interstitial (consent.youtube.com/m?continue=…&gl=DE&m=0&pc=yt&cm=2&hl=en&src=1).
 * No public saved copy of the 2024–26 page exists, so it is built from the shapes reported for it:
 * title "Before you continue to YouTube"; two forms posting to https://consent.youtube.com/save —
 * "Reject all" (set_eom=true) and "Accept all" (set_ytc=true, set_apyt=true, set_eom=false) — with the
 * hidden inputs gl, m, app, pc, continue, x, bl, hl, src, cm; a "More options" link to
 * consent.youtube.com/d. The 2021 `/s` form (the capture) is kept for parser tests only.
 */

export const CONSENT_BL = "boq_identityfrontenduiserver_20260112.05_p0";

const escapeHtml = (s: string) =>
  s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");

export interface ConsentParams {
  continueUrl: string;
  gl: string;
  hl: string;
}

function form(p: ConsentParams, accept: boolean): string {
  const hidden: [string, string][] = [
    ["gl", p.gl],
    ["m", "0"],
    ["app", "0"],
    ["pc", "yt"],
    ["continue", p.continueUrl],
    ["x", "6"],
    ["bl", CONSENT_BL],
    ["hl", p.hl],
    ["src", "1"],
    ["cm", "2"],
    ...(accept
      ? ([
          ["set_ytc", "true"],
          ["set_apyt", "true"],
          ["set_eom", "false"],
        ] as [string, string][])
      : ([["set_eom", "true"]] as [string, string][])),
  ];
  const inputs = hidden
    .map(([name, value]) => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`)
    .join("");
  const label = accept
    ? "Accept the use of cookies and other data for the purposes described"
    : "Reject the use of cookies and other data for the purposes described";
  const jsname = accept ? "b3VHJd" : "tWT92d";
  return `<form action="https://consent.youtube.com/save" method="POST" style="display:inline">${inputs}<div class="VtwTSb"><button class="UywwFc-LgbsSe UywwFc-LgbsSe-OWXEXe-dgl2Hf" jscontroller="soHxf" jsaction="click:cOuCgd;" jsname="${jsname}" aria-label="${label}"><span class="UywwFc-vQzf8d">${accept ? "Accept all" : "Reject all"}</span></button></div></form>`;
}

export function consentPageHtml(p: ConsentParams): string {
  const more = new URL("https://consent.youtube.com/d");
  more.searchParams.set("continue", p.continueUrl);
  more.searchParams.set("gl", p.gl);
  more.searchParams.set("m", "0");
  more.searchParams.set("pc", "yt");
  more.searchParams.set("cm", "2");
  more.searchParams.set("hl", p.hl);
  more.searchParams.set("src", "1");
  return `<!doctype html><html lang="${escapeHtml(p.hl)}" dir="ltr"><head><meta charset="utf-8"><meta name="viewport" content="initial-scale=1,minimum-scale=1,width=device-width"><title>Before you continue to YouTube</title><link rel="icon" href="//www.youtube.com/favicon.ico"></head><body><c-wiz jsrenderer="ZaSEef" jsmodel="hc6Ubd" data-p="%.@.]"><div class="KxvlWc"><div class="xGlhh"><img src="//www.gstatic.com/youtube/img/branding/youtubelogo/svg/youtubelogo.svg" alt="YouTube" height="24"></div><h1 class="I90TVb" jsname="tJHJj">Before you continue to YouTube</h1><div class="qqtRac"><div>We use <a href="https://policies.google.com/technologies/cookies?hl=${escapeHtml(p.hl)}">cookies</a> and data to</div><ul><li>Deliver and maintain Google services</li><li>Track outages and protect against spam, fraud, and abuse</li><li>Measure audience engagement and site statistics to understand how our services are used and enhance the quality of those services</li></ul><div>If you choose to “Accept all,” we will also use cookies and data to develop and improve new services, deliver and measure the effectiveness of ads, and show personalized content and ads, depending on your settings.</div><div>If you choose to “Reject all,” we will not use cookies for these additional purposes.</div></div><div class="GzLjMd">${form(p, false)}${form(p, true)}</div><div class="yAaYib"><a class="VfPpkd-LgbsSe" href="${escapeHtml(more.toString())}" aria-label="More options for personalization settings and cookies">More options</a></div></div></c-wiz></body></html>`;
}
