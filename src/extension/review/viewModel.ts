/**
 * Maps the airlock's change set and review decisions onto the review panel's view types.
 * Pure (no `vscode`): the unit tests feed it change entries and check what the panel gets.
 */
import type { ChangeEntry, DecisionState, Hunk, RiskFlag as CoreRisk } from '../../core/airlock';
import { plainTranslate, type Translate } from '../../core/auditFormat';
import type { Policy } from '../../core/policy';
import type {
  ConflictChoice,
  ConflictInfo,
  Decision,
  DiffLine,
  FileDecision,
  FileItem,
  HunkView,
  PolicySummary,
} from '../../protocol/review';

/** What the view model needs to know about one file's decisions. */
export interface DecisionSource {
  file(entry: ChangeEntry): { state: DecisionState; reason?: string };
  /** Hunk decisions, for files whose hunks are known (undefined: no per-hunk decisions). */
  hunks?(entry: ChangeEntry): readonly { state: DecisionState }[] | undefined;
}

function octal(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(3, '0');
}

/** A file's overall decision from its hunks' decisions: partial when they disagree. */
export function combineDecisions(states: readonly DecisionState[]): FileDecision {
  if (!states.length) return 'pending';
  const first = states[0]!;
  return states.every((s) => s === first) ? first : 'partial';
}

export function toFileItem(
  entry: ChangeEntry,
  decision: FileDecision,
  hunkCount: number,
  conflict?: ConflictInfo,
  extra: Pick<FileItem, 'reason' | 'hunkTally' | 'folder'> = {},
): FileItem {
  const base = entry.base?.entry;
  const sandbox = entry.sandbox?.entry;
  const written = entry.kind === 'deleted' ? base : (sandbox ?? base);
  const sides = [entry.base, entry.sandbox];
  const item: {
    -readonly [K in keyof FileItem]: FileItem[K];
  } = {
    path: entry.path,
    kind: entry.kind,
    size: written?.size ?? 0,
    risks: entry.risks.map((r: CoreRisk) => ({ code: r.code, reason: r.reason })),
    decision,
    hunkCount,
  };
  if (base && entry.kind !== 'deleted') item.oldSize = base.size;
  if (base && sandbox && base.type !== 'symlink' && sandbox.type !== 'symlink' && (base.mode & 0o7777) !== (sandbox.mode & 0o7777)) {
    item.oldMode = octal(base.mode);
    item.newMode = octal(sandbox.mode);
  }
  if (entry.neverApply.length) item.neverApply = entry.neverApply.map((r) => r.reason).join('; ');
  if (sides.some((s) => s?.content === 'binary')) item.binary = true;
  if (sides.some((s) => s?.content === 'tooLarge')) item.tooLarge = true;
  if (!Buffer.from(entry.path, 'utf8').equals(entry.rawPath)) item.validUtf8 = false;
  if (conflict) item.conflict = conflict;
  if (extra.reason !== undefined) item.reason = extra.reason;
  if (extra.hunkTally) item.hunkTally = extra.hunkTally;
  if (extra.folder) item.folder = true;
  return item;
}

/** The policy in the panel's header; the words go through `t` (the panel passes `vscode.l10n.t`). */
export function policySummary(policy: Policy, t: Translate = plainTranslate): PolicySummary {
  const allow = policy.network.allow.join(', ');
  return {
    title: policy.network.mode === 'none' ? t('no network, hardened container') : t('allowlisted network, hardened container'),
    items: [
      {
        label: t('Network'),
        value: policy.network.mode === 'none' ? t('none') : allow ? t('allowlist: {0}', allow) : t('allowlist: (empty)'),
      },
      { label: t('Limits'), value: t('{0} CPU, {1} MiB, {2} processes', policy.cpus, policy.memoryMb, policy.pids) },
      { label: t('Command timeout'), value: t('{0} s', policy.commandTimeoutSec) },
      { label: t('Disk cap'), value: t('{0} MiB of changes', policy.diskCapMb) },
      { label: t('Environment passed in'), value: policy.envAllowlist.join(', ') || t('none') },
      { label: t('Left out of the copy'), value: t('{0} patterns', policy.exclude.length) },
    ],
  };
}

/** Turns a hunk's unified-diff lines into rows with line numbers. */
export function diffLines(header: string, lines: readonly string[]): DiffLine[] {
  const match = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/.exec(header);
  let oldNo = match ? Number(match[1]) : 1;
  let newNo = match ? Number(match[3]) : 1;
  // A zero-length range names the line before it; the first line shown is the next one.
  if (match && match[2] === '0') oldNo += 1;
  if (match && match[4] === '0') newNo += 1;
  const rows: { -readonly [K in keyof DiffLine]: DiffLine[K] }[] = [];
  for (const line of lines) {
    if (line.startsWith('\\')) {
      const last = rows.at(-1);
      if (last) last.noNewline = true;
      continue;
    }
    const text = line.slice(1);
    if (line.startsWith('+')) rows.push({ type: 'add', text, newNo: newNo++ });
    else if (line.startsWith('-')) rows.push({ type: 'del', text, oldNo: oldNo++ });
    else rows.push({ type: 'context', text, oldNo: oldNo++, newNo: newNo++ });
  }
  return rows;
}

export function toHunkView(hunk: Pick<Hunk, 'index' | 'header' | 'lines'>, decision: Decision, reason?: string): HunkView {
  return { index: hunk.index, header: hunk.header, lines: diffLines(hunk.header, hunk.lines), decision, ...(reason ? { reason } : {}) };
}

/** The choices the airlock offers for a conflict: markers only when both sides are text. */
export function conflictInfo(reason: string, markersPossible: boolean): ConflictInfo {
  const choices: ConflictChoice[] = markersPossible ? ['keep-theirs', 'take-sandbox', 'write-markers'] : ['keep-theirs', 'take-sandbox'];
  return { detail: reason, choices };
}
