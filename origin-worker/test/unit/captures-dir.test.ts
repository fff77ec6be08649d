import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readCapture } from "@ytt/youtube-double";
import { afterEach, describe, expect, it } from "vitest";

describe("readCapture, the one way tests read YouTube captures", () => {
  const before = process.env.YT_CAPTURES_DIR;
  afterEach(() => {
    if (before === undefined) delete process.env.YT_CAPTURES_DIR;
    else process.env.YT_CAPTURES_DIR = before;
  });

  it("reads from YT_CAPTURES_DIR when it is set, else from ../shared beside the repository", () => {
    expect(readCapture("transcript.xml")).toContain("<transcript>");
    const dir = mkdtempSync(join(tmpdir(), "ytt-captures-"));
    writeFileSync(join(dir, "transcript.xml"), "<transcript>elsewhere</transcript>");
    process.env.YT_CAPTURES_DIR = dir;
    expect(readCapture("transcript.xml")).toBe("<transcript>elsewhere</transcript>");
  });
});
