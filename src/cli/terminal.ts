// What the CLI writes to a terminal: user-controlled text (names, labels, file names, the
// echoed target, profile values, rule comments) must not move the cursor, recolour the
// screen or reorder what is shown. Every write goes through `terminalSafe`.

/**
 * C0 controls but tab and newline, DEL, C1 controls, and the bidirectional marks and
 * overrides (ALM, LRM, RLM, LRE…RLO, LRI…PDI) that can make text read differently from
 * what it is (CVE-2021-42574).
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * `text` with each unsafe character written as `\uXXXX`: readable in a terminal, and the
 * same escape JSON uses, so `--json` output stays valid and decodes to the original value.
 */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Widest table cell; longer values are cut with an ellipsis so columns stay aligned. */
export const MAX_CELL = 60;

export function truncateCell(text: string, max = MAX_CELL): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}
