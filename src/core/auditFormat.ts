/**
 * The audit log for people: one row per record (local time, event, outcome, details),
 * newest first, under a header naming the raw file. Pure: the words go through `t`, which
 * the extension sets to its localisation function and the CLI leaves as is.
 */
import type { AuditRecord } from './audit';
import { terminalJson, visible } from './terminalText';

/** A localisation function in the style of vscode.l10n.t: `{0}`, `{1}`... are replaced by the arguments. */
export type Translate = (message: string, ...args: (string | number | boolean)[]) => string;

export const plainTranslate: Translate = (message, ...args) =>
  message.replace(/\{(\d+)\}/g, (whole, i: string) => (Number(i) < args.length ? String(args[Number(i)]) : whole));

export interface AuditRow {
  readonly time: string;
  readonly event: string;
  readonly outcome: string;
  readonly details: string;
}

/** How many paths a row names before it says "and N more". */
const LISTED_PATHS = 5;
/** Longest details text of a row; the rest is in the raw log. */
const DETAILS_CAP = 400;

/** `2026-12-02 15:04:05` in the local time zone (the raw ISO text when it is no date). */
export function localTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** An argv as one line a person can read (and mostly paste into a shell). */
export function quoteArgv(argv: readonly string[]): string {
  return argv.map((a) => (a !== '' && /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** One record as a JSON line for a terminal (see terminalJson). */
export function auditJsonLine(record: AuditRecord): string {
  return terminalJson(record);
}

function listPaths(paths: readonly string[] | undefined, t: Translate): string {
  if (!paths?.length) return '';
  const shown = paths.slice(0, LISTED_PATHS).join(', ');
  return paths.length > LISTED_PATHS ? t('{0} and {1} more', shown, paths.length - LISTED_PATHS) : shown;
}

function plural(n: number, one: string, many: string): string {
  return n === 1 ? one : many;
}

function cap(text: string): string {
  const one = visible(text);
  return one.length > DETAILS_CAP ? `${one.slice(0, DETAILS_CAP - 1)}…` : one;
}

function eventLabel(event: string, t: Translate): string {
  switch (event) {
    case 'command':
      return t('command');
    case 'start':
      return t('start');
    case 'stop':
      return t('stop');
    case 'reset':
      return t('reset');
    case 'apply':
      return t('apply');
    case 'discard':
      return t('discard');
    case 'undo':
      return t('undo');
    case 'reject':
      return t('reject');
    case 'recover':
      return t('recover');
    case 'gc':
      return t('clean-up');
    case 'terminal-open':
      return t('terminal open');
    case 'terminal-input':
      return t('terminal input');
    case 'terminal-close':
      return t('terminal close');
    default:
      return event;
  }
}

/** One record as a row. Unknown events and fields still show (event name, detail). */
export function auditRow(r: AuditRecord, t: Translate = plainTranslate): AuditRow {
  const parts: string[] = [];
  let outcome = r.outcome ?? '';
  switch (r.event) {
    case 'command': {
      if (r.argv) parts.push(`$ ${quoteArgv(r.argv)}`);
      if (r.changedFiles) {
        parts.push(
          plural(r.changedFiles.length, t('{0} file changed', r.changedFiles.length), t('{0} files changed', r.changedFiles.length)),
        );
        if (r.changedFiles.length) parts.push(listPaths(r.changedFiles, t));
      }
      if (r.durationMs !== undefined) parts.push(t('{0} s', (r.durationMs / 1000).toFixed(1)));
      if (r.exitCode !== undefined)
        outcome = r.outcome && r.outcome !== 'exited' ? `${r.outcome}, ${t('exit {0}', r.exitCode)}` : t('exit {0}', r.exitCode);
      break;
    }
    case 'apply': {
      const files = r.files ?? [];
      parts.push(
        files.length
          ? t(
              '{0}: {1}',
              plural(files.length, t('applied {0} file', files.length), t('applied {0} files', files.length)),
              listPaths(files, t),
            )
          : t('nothing applied'),
      );
      if (r.conflicts?.length)
        parts.push(
          t(
            '{0}: {1}',
            plural(r.conflicts.length, t('{0} conflict', r.conflicts.length), t('{0} conflicts', r.conflicts.length)),
            listPaths(r.conflicts, t),
          ),
        );
      if (r.refused?.length)
        parts.push(
          t(
            '{0}: {1}',
            plural(r.refused.length, t('{0} refused', r.refused.length), t('{0} refused', r.refused.length)),
            listPaths(r.refused, t),
          ),
        );
      if (r.journal) parts.push(t('apply {0}', r.journal));
      break;
    }
    case 'undo': {
      if (r.journal) parts.push(t('undid apply {0}', r.journal));
      if (r.files?.length)
        parts.push(
          t(
            '{0}: {1}',
            plural(r.files.length, t('restored {0} file', r.files.length), t('restored {0} files', r.files.length)),
            listPaths(r.files, t),
          ),
        );
      break;
    }
    case 'reject': {
      const what = r.files?.join(', ') ?? '';
      parts.push(r.hunks?.length ? t('{0}, hunk {1}', what, r.hunks.join(', ')) : what);
      parts.push(r.reason ? t('reason: {0}', r.reason) : t('no reason given'));
      break;
    }
    case 'discard': {
      const files = r.files ?? [];
      parts.push(
        t(
          '{0}: {1}',
          plural(
            files.length,
            t('reverted {0} file in the sandbox copy', files.length),
            t('reverted {0} files in the sandbox copy', files.length),
          ),
          listPaths(files, t),
        ),
      );
      if (r.refused?.length)
        parts.push(
          t(
            '{0}: {1}',
            plural(r.refused.length, t('{0} could not be reverted', r.refused.length), t('{0} could not be reverted', r.refused.length)),
            listPaths(r.refused, t),
          ),
        );
      break;
    }
    case 'terminal-open':
      if (r.terminal) parts.push(t('terminal {0}', r.terminal));
      break;
    case 'terminal-input':
      parts.push(r.input !== undefined ? `${r.terminal ?? '?'}$ ${r.input}` : t('terminal {0}', r.terminal ?? '?'));
      break;
    case 'terminal-close':
      if (r.terminal) parts.push(t('terminal {0}', r.terminal));
      if (r.exitCode !== undefined) outcome = t('exit {0}', r.exitCode);
      break;
    default:
      if (r.argv) parts.push(`$ ${quoteArgv(r.argv)}`);
      if (r.files?.length) parts.push(listPaths(r.files, t));
      if (r.exitCode !== undefined && !outcome) outcome = t('exit {0}', r.exitCode);
  }
  if (r.detail) parts.push(r.detail);
  return { time: localTime(r.time), event: eventLabel(r.event, t), outcome: cap(outcome), details: cap(parts.filter(Boolean).join('; ')) };
}

export interface AuditDocumentOptions {
  /** The raw JSONL file, named at the top. */
  readonly rawFile: string;
  readonly workspace?: string;
  readonly t?: Translate;
  /** The view follows the log as it grows (the extension's document). */
  readonly live?: boolean;
}

/** The whole log as a text table, newest first. */
export function formatAuditLog(records: readonly AuditRecord[], options: AuditDocumentOptions): string {
  const t = options.t ?? plainTranslate;
  const recordCount = plural(records.length, t('{0} record', records.length), t('{0} records', records.length));
  const rows = records.map((r) => auditRow(r, t)).reverse();
  const head: AuditRow = { time: t('Time (local)'), event: t('Event'), outcome: t('Outcome'), details: t('Details') };
  const widths = {
    time: Math.max(head.time.length, ...rows.map((r) => r.time.length)),
    event: Math.max(head.event.length, ...rows.map((r) => r.event.length)),
    outcome: Math.min(24, Math.max(head.outcome.length, ...rows.map((r) => r.outcome.length))),
  };
  const line = (r: AuditRow) =>
    `${r.time.padEnd(widths.time)}  ${r.event.padEnd(widths.event)}  ${r.outcome.padEnd(widths.outcome)}  ${r.details}`.trimEnd();
  const out = [
    options.workspace ? t('Agent Sandbox audit log of {0}', options.workspace) : t('Agent Sandbox audit log'),
    t('Raw log (one JSON record per line): {0}', options.rawFile),
    options.live
      ? t('{0}, newest first. Read-only view; it follows the log as it grows.', recordCount)
      : t('{0}, newest first.', recordCount),
    '',
    line(head),
    line({
      time: '-'.repeat(widths.time),
      event: '-'.repeat(widths.event),
      outcome: '-'.repeat(widths.outcome),
      details: '-'.repeat(head.details.length),
    }),
    ...rows.map(line),
  ];
  if (!rows.length) out.push(t('(no records yet)'));
  return `${out.join('\n')}\n`;
}
