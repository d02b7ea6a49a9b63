/**
 * Codex's `config.toml`, edited conservatively: everything we add sits in one block between
 * a BEGIN and an END comment line, appended after the person's own settings and found again
 * by those lines to be replaced (a second run) or removed (undo). Nothing outside the block
 * is ever rewritten, so undo gives back the file as it was.
 *
 * The server is `required`: Codex then waits for it before the first turn (otherwise its
 * tools may be missing from the start of a session) and refuses to start when it cannot start
 * it at all, saying so, rather than going on without the sandbox's tools.
 *
 * The block holds `[mcp_servers.agent-sandbox]`, a `[[hooks.PreToolUse]]` group whose
 * command is the fail-closed hook line (Codex hands its shell tool to hooks in Claude's
 * format, so the dialect is `claude`), and Codex's trust record for exactly that hook
 * (codexHookTrust.ts): without it Codex skips the hook silently. Before adding it, the person's part of the file is
 * scanned: a file the scanner cannot read as TOML, an MCP server of that name, `mcp_servers`
 * or `hooks` written as inline values (a table cannot be added to them), a plain
 * `[hooks.PreToolUse]` table or a hook of ours outside the block each stop the set-up with
 * the line to fix. The scanner checks structure (headers, keys, strings, brackets), not
 * every rule of TOML; Codex itself is the final judge of the values.
 */
import { codexPreToolUseHookHash, codexPreToolUseHookKey } from './codexHookTrust';
import { SetupFileError, MCP_SERVER_NAME } from './jsonSettings';

export const BLOCK_BEGIN = '# BEGIN agent-sandbox';
export const BLOCK_END = '# END agent-sandbox';
const BEGIN_LINE = `${BLOCK_BEGIN}: written by \`agent-sandbox setup codex\`, removed by \`agent-sandbox setup codex --undo\`; edit outside this block only`;

interface Statement {
  readonly line: number;
  readonly kind: 'table' | 'array-table' | 'key';
  /** The full dotted path: the header's, or the current table's followed by the key's. */
  readonly path: readonly string[];
  readonly text: string;
}

/** A TOML string for a value we write (JSON's escapes are TOML basic-string escapes). */
function tomlString(value: string): string {
  return JSON.stringify(value);
}

const HOOK_MATCHER = '*';
const HOOK_TIMEOUT_SEC = 30;

/** What goes into the block: the launcher for the server, the hook line, and where the hook sits for its trust key. */
export interface CodexBlockInput {
  readonly launcher: string;
  readonly hookLine: string;
  /** The config.toml's absolute path, as Codex names it in the trust key. */
  readonly configFile: string;
  /** How many `[[hooks.PreToolUse]]` groups of the person's come before the block. */
  readonly groupIndex: number;
}

/** Codex's trust key for the block's hook. */
export function codexBlockHookKey(input: Pick<CodexBlockInput, 'configFile' | 'groupIndex'>): string {
  return codexPreToolUseHookKey(input.configFile, input.groupIndex);
}

/** The lines of our block (without a trailing newline). */
export function codexBlock(input: CodexBlockInput): string {
  const { launcher, hookLine } = input;
  const hash = codexPreToolUseHookHash({ matcher: HOOK_MATCHER, command: hookLine, timeoutSec: HOOK_TIMEOUT_SEC });
  return [
    BEGIN_LINE,
    `[mcp_servers.${MCP_SERVER_NAME}]`,
    `command = ${tomlString(launcher)}`,
    'args = ["mcp"]',
    'required = true',
    '',
    '[[hooks.PreToolUse]]',
    `matcher = ${tomlString(HOOK_MATCHER)}`,
    '',
    '[[hooks.PreToolUse.hooks]]',
    'type = "command"',
    `command = ${tomlString(hookLine)}`,
    `timeout = ${HOOK_TIMEOUT_SEC}`,
    '',
    "# Codex's record that this exact hook is trusted (what its /hooks screen writes after review);",
    '# a hook changed by hand no longer matches it, and Codex then skips the hook.',
    `[hooks.state.${tomlString(codexBlockHookKey(input))}]`,
    `trusted_hash = ${tomlString(hash)}`,
    BLOCK_END,
  ].join('\n');
}

/** Splits a dotted key or header (`a."b.c".d`) into its parts. */
function splitDotted(raw: string, where: string): string[] {
  const parts: string[] = [];
  let i = 0;
  const s = raw.trim();
  while (i < s.length) {
    while (s[i] === ' ' || s[i] === '\t') i++;
    let part: string;
    if (s[i] === '"' || s[i] === "'") {
      const quote = s[i]!;
      const end = s.indexOf(quote, i + 1);
      if (end === -1) throw new SetupFileError(`${where}: unterminated quoted key.`);
      part = quote === '"' ? (JSON.parse(s.slice(i, end + 1)) as string) : s.slice(i + 1, end);
      i = end + 1;
    } else {
      const m = /^[A-Za-z0-9_-]+/.exec(s.slice(i));
      if (!m) throw new SetupFileError(`${where}: "${raw.trim()}" is not a key.`);
      part = m[0];
      i += part.length;
    }
    parts.push(part);
    while (s[i] === ' ' || s[i] === '\t') i++;
    if (i < s.length) {
      if (s[i] !== '.') throw new SetupFileError(`${where}: "${raw.trim()}" is not a key.`);
      i++;
    }
  }
  if (!parts.length) throw new SetupFileError(`${where}: a key is missing.`);
  return parts;
}

/** The scanner's place inside a value that spans lines. */
interface ValueState {
  multiline: '"""' | "'''" | undefined;
  depth: number;
}

/** Scans part of a value, updating the state; throws on a string that does not close on its line. */
function scanValue(s: string, state: ValueState, where: string): void {
  let i = 0;
  while (i < s.length) {
    if (state.multiline) {
      const close = state.multiline;
      if (close === '"""' && s[i] === '\\') {
        i += 2;
        continue;
      }
      if (s.startsWith(close, i)) {
        state.multiline = undefined;
        i += 3;
        while (s[i] === close[0]) i++; // up to two quotes may end the content
        continue;
      }
      i++;
      continue;
    }
    const c = s[i]!;
    if (c === '#') return;
    if (s.startsWith('"""', i) || s.startsWith("'''", i)) {
      state.multiline = s.slice(i, i + 3) as '"""' | "'''";
      i += 3;
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < s.length && s[j] !== c) j += c === '"' && s[j] === '\\' ? 2 : 1;
      if (j >= s.length) throw new SetupFileError(`${where}: a string does not end on its line.`);
      i = j + 1;
      continue;
    }
    if (c === '[' || c === '{') state.depth++;
    if (c === ']' || c === '}') {
      state.depth--;
      if (state.depth < 0) throw new SetupFileError(`${where}: a closing bracket has no opening one.`);
    }
    i++;
  }
}

/** The top-level statements of a TOML text; throws SetupFileError naming the line it cannot read. */
export function scanToml(text: string, file: string): Statement[] {
  const out: Statement[] = [];
  const state: ValueState = { multiline: undefined, depth: 0 };
  let table: string[] = [];
  let startedAt = 0;
  const lines = text.split('\n');
  lines.forEach((raw, index) => {
    const where = `${file} line ${index + 1}`;
    const line = raw.replace(/\r$/, '');
    if (state.multiline || state.depth > 0) {
      scanValue(line, state, where);
      return;
    }
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#')) return;
    const header = /^(\[\[?)([^\]]*)(\]\]?)\s*(#.*)?$/.exec(trimmed);
    if (trimmed.startsWith('[')) {
      if (!header || header[1]!.length !== header[3]!.length) throw new SetupFileError(`${where}: "${trimmed}" is not a table header.`);
      table = splitDotted(header[2]!, where);
      out.push({ line: index + 1, kind: header[1] === '[[' ? 'array-table' : 'table', path: table, text: trimmed });
      return;
    }
    const eq = keyEnd(line);
    if (eq === -1) throw new SetupFileError(`${where}: "${trimmed}" is neither a table header nor a key = value line.`);
    const value = line.slice(eq + 1);
    if (!value.trim() || value.trim().startsWith('#')) throw new SetupFileError(`${where}: the key has no value.`);
    out.push({ line: index + 1, kind: 'key', path: [...table, ...splitDotted(line.slice(0, eq), where)], text: trimmed });
    startedAt = index + 1;
    scanValue(value, state, where);
  });
  if (state.multiline || state.depth > 0) throw new SetupFileError(`${file} line ${startedAt}: the value that starts here never ends.`);
  return out;
}

/** The index of the `=` that ends a key (outside quoted key parts), or -1. */
function keyEnd(line: string): number {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '=') return i;
    else if (c === '#') return -1;
  }
  return -1;
}

function startsWith(path: readonly string[], prefix: readonly string[]): boolean {
  return prefix.length <= path.length && prefix.every((p, i) => path[i] === p);
}

function same(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && startsWith(a, b);
}

/** Throws when the person's part of the file defines what our block would define or extend. */
function assertNoConflict(statements: readonly Statement[], file: string, hookKey: string): void {
  const fix = (s: Statement, what: string) =>
    new SetupFileError(`${file} line ${s.line} (${s.text}) ${what}. Remove or change it, then run the set-up again; nothing was written.`);
  for (const s of statements) {
    if (startsWith(s.path, ['mcp_servers', MCP_SERVER_NAME])) throw fix(s, `already configures an MCP server named ${MCP_SERVER_NAME}`);
    if (s.kind === 'key' && (same(s.path, ['mcp_servers']) || same(s.path, ['hooks']) || same(s.path, ['hooks', 'PreToolUse']))) {
      throw fix(s, `sets ${s.path.join('.')} as an inline value, to which the set-up cannot add its own table`);
    }
    if (s.kind === 'key' && same(s.path, ['hooks', 'state']))
      throw fix(s, 'sets hooks.state as an inline value, to which the set-up cannot add the trust record of its hook');
    if (startsWith(s.path, ['hooks', 'state', hookKey]))
      throw fix(s, `already holds Codex's hook state for ${hookKey}, which the set-up writes for its own hook`);
    if (s.kind === 'table' && same(s.path, ['hooks', 'PreToolUse']))
      throw fix(s, 'makes hooks.PreToolUse a single table; Codex expects [[hooks.PreToolUse]] groups');
    if (s.kind === 'array-table' && (same(s.path, ['mcp_servers']) || same(s.path, ['hooks'])))
      throw fix(s, `makes ${s.path.join('.')} an array of tables`);
    if (s.kind === 'key' && s.path[s.path.length - 1] === 'command' && /\bhook claude( \|\| exit 2)?["']/.test(s.text)) {
      throw fix(s, 'already runs the agent-sandbox hook outside the set-up block (it would run twice)');
    }
  }
}

interface Located {
  readonly lines: string[];
  /** Index of the BEGIN and END lines, when the block is there. */
  readonly block?: { readonly begin: number; readonly end: number };
}

function locateBlock(text: string, file: string): Located {
  const lines = text.split('\n');
  const begins = lines.flatMap((l, i) => (l.startsWith(BLOCK_BEGIN) ? [i] : []));
  const ends = lines.flatMap((l, i) => (l.trimEnd() === BLOCK_END ? [i] : []));
  if (!begins.length && !ends.length) return { lines };
  if (begins.length !== 1 || ends.length !== 1 || ends[0]! < begins[0]!) {
    throw new SetupFileError(
      `${file} has ${begins.length} "${BLOCK_BEGIN}" and ${ends.length} "${BLOCK_END}" lines in the wrong order; the agent-sandbox block must be one BEGIN line followed by one END line. Fix it by hand, then run again; nothing was written.`,
    );
  }
  return { lines, block: { begin: begins[0]!, end: ends[0]! } };
}

/**
 * The file's new text with our block added or refreshed in place. `file` is the config.toml's
 * absolute path; the block's hook is numbered after the person's PreToolUse groups above it.
 */
export function codexConfigWithSetup(
  before: string | undefined,
  file: string,
  input: Omit<CodexBlockInput, 'configFile' | 'groupIndex'>,
): string {
  const text = before ?? '';
  const located = locateBlock(text, file);
  const { lines } = located;
  const outside = located.block ? [...lines.slice(0, located.block.begin), ...lines.slice(located.block.end + 1)] : lines;
  const statements = scanToml(outside.join('\n'), file);
  // Lines before the block keep their numbers in `outside`; all of them come first when the block is appended.
  const blockLine = located.block ? located.block.begin + 1 : Infinity;
  const groupIndex = statements.filter(
    (s) => s.kind === 'array-table' && same(s.path, ['hooks', 'PreToolUse']) && s.line < blockLine,
  ).length;
  const blockInput: CodexBlockInput = { ...input, configFile: file, groupIndex };
  assertNoConflict(statements, file, codexBlockHookKey(blockInput));
  const block = codexBlock(blockInput);
  if (located.block) return [...lines.slice(0, located.block.begin), block, ...lines.slice(located.block.end + 1)].join('\n');
  if (!text) return `${block}\n`;
  // One blank line apart from the person's settings; undo takes exactly that line away again.
  return `${text.endsWith('\n') ? text : `${text}\n`}\n${block}\n`;
}

/** The file's text without our block (undefined: nothing else was in it, so the file goes). */
export function codexConfigWithoutSetup(before: string | undefined, file: string): string | undefined {
  if (before === undefined) return undefined;
  const located = locateBlock(before, file);
  if (!located.block) return before;
  const { begin, end } = located.block;
  const lines = located.lines;
  // The blank line the set-up put between the person's settings and the block.
  const from = begin >= 2 && lines[begin - 1] === '' ? begin - 1 : begin;
  const after = [...lines.slice(0, from), ...lines.slice(end + 1)].join('\n');
  return after === '' ? undefined : after;
}
