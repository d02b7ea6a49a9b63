/**
 * Text from the sandbox (file names, file contents in a diff, reasons that quote them) on its
 * way to a terminal. A terminal acts on control characters: an escape sequence in a file name
 * can set the window title, write the clipboard (OSC 52) or redraw lines, and a bidirectional
 * override makes a name read differently from what it is. These functions show such
 * characters as escapes instead, so what the person reads is what is there.
 */

/** C0 and C1 controls, DEL, and the bidirectional marks, overrides and isolates. */
const SHOWN_ESCAPED = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
/** The same, without the C0 controls that JSON.stringify already escapes. */
const LEFT_RAW_BY_JSON = /[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

function escapeChar(c: string): string {
  if (c === '\t') return '\\t';
  if (c === '\n') return '\\n';
  if (c === '\r') return '\\r';
  const code = c.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** One line: every control character (newlines and tabs too) shown as an escape. */
export function visible(text: string): string {
  return text.replace(SHOWN_ESCAPED, escapeChar);
}

/** Several lines: as `visible`, but newlines and tabs stay what they are. */
export function visibleLines(text: string): string {
  return text.replace(SHOWN_ESCAPED, (c) => (c === '\n' || c === '\t' ? c : escapeChar(c)));
}

/** JSON for a terminal: still valid JSON, with what JSON.stringify leaves raw escaped as \uXXXX. */
export function terminalJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(LEFT_RAW_BY_JSON, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
