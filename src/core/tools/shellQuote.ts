/**
 * POSIX shell quoting for the few places where an argv has to travel as one string field
 * (a hook's rewritten `command`, a terminal's command line). Each element is quoted on its
 * own, so `sh` splits the line back into exactly the same argv; nothing is ever spliced.
 */

/**
 * Words that need no quoting in sh, bash or zsh: no `^` (a pipe in old shells), no `~` or
 * `=` at the start (home and command expansion in zsh), no globbing or expansion characters.
 */
const PLAIN_WORD = /^[A-Za-z0-9_./,:+@%-][A-Za-z0-9_./,:=+@%-]*$/;

/** Quotes one argv element for a POSIX shell. */
export function shellQuote(arg: string): string {
  if (arg.includes('\0')) throw new Error('An argument cannot contain a NUL byte; no shell can pass it on.');
  if (arg === '') return "''";
  if (PLAIN_WORD.test(arg)) return arg;
  // Inside single quotes every byte is literal except the quote itself, which is closed,
  // escaped and reopened.
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Quotes an argv into one shell line that `sh -c` splits back into the same argv. */
export function shellJoin(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}
