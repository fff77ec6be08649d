/** Caption text rules shared by the renderers and the chunker, so both read a cue the same way. */

/** Trimmed non-empty lines: a blank line inside a cue would end the cue in SRT and WebVTT. */
export function textLines(text: string): string[] {
  return text
    .split(/\r\n|\r|\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "");
}

/** Sentence-final punctuation (Latin and CJK), optionally followed by one closing quote or bracket. */
const SENTENCE_END = /[.!?…。！？]["'”’)\]]?$/;

/** Whether text ends a sentence: where a markdown paragraph or a chunk prefers to end. */
export function endsSentence(text: string): boolean {
  return SENTENCE_END.test(text);
}
