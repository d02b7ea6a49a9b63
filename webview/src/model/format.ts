/** Plain-text formatting for sizes, kinds and decisions shown in the panel. */
import { decisionStatus, type ChangeKind, type DecisionStatus, type FileDecision, type FileItem } from '../../../src/protocol/review';
import { t } from '../l10n';

export function formatSize(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '?';
  if (bytes < 1024) return t('{0} B', bytes);
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return t('{0} {1}', value < 10 ? value.toFixed(1) : Math.round(value), units[unit]);
}

/** A change kind in words (translated when called, so the bundle is in place by then). */
export function kindLabel(kind: ChangeKind): string {
  switch (kind) {
    case 'added':
      return t('added');
    case 'modified':
      return t('modified');
    case 'deleted':
      return t('deleted');
    case 'typeChanged':
      return t('type changed');
    case 'modeChanged':
      return t('mode changed');
  }
}

/** One-letter code in the style of `git status --short`, with the full word for screen readers. */
export const KIND_LETTERS: Readonly<Record<ChangeKind, string>> = {
  added: 'A',
  modified: 'M',
  deleted: 'D',
  typeChanged: 'T',
  modeChanged: 'P',
};

export function decisionWord(decision: FileDecision): string {
  switch (decision) {
    case 'pending':
      return t('pending');
    case 'approved':
      return t('approved');
    case 'rejected':
      return t('rejected');
    case 'partial':
      return t('decided in parts');
  }
}

/** Splits a path into directory and base name so the list can emphasise the name. */
export function splitPath(path: string): { dir: string; name: string } {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? { dir: '', name: path } : { dir: path.slice(0, slash + 1), name: path.slice(slash + 1) };
}

/** Plain words for a risk flag's code, with what it means for the reviewer (the badge's tooltip). */
function riskLabels(): Readonly<Record<string, { readonly label: string; readonly explain: string }>> {
  return {
    policyPattern: {
      label: t('Matches your policy'),
      explain: t('The path matches a pattern your sandbox policy marks as needing a closer look.'),
    },
    gitDirectory: { label: t('Inside .git'), explain: t('Git’s own files can change what Git runs; they are never applied.') },
    newExecutable: { label: t('New executable'), explain: t('A new file that can be run as a program.') },
    executableBitChanged: { label: t('Executable bit changed'), explain: t('Whether this file can be run as a program changes.') },
    setuid: { label: t('Asks for setuid'), explain: t('The file asks to run with its owner’s rights; apply strips that bit.') },
    setgid: { label: t('Asks for setgid'), explain: t('The file asks to run with its group’s rights; apply strips that bit.') },
    worldWritable: { label: t('World-writable'), explain: t('Anyone on the machine could change this file; apply strips that bit.') },
    packageScripts: {
      label: t('Changes package scripts'),
      explain: t('Package scripts run on your machine when you install, build or test.'),
    },
    lockfile: { label: t('Dependency lockfile'), explain: t('Changes which dependency versions get installed on your machine.') },
    registryConfig: {
      label: t('Package registry settings'),
      explain: t('Changes where packages are downloaded from, or with which credentials.'),
    },
    runsOnHost: {
      label: t('Runs on your machine'),
      explain: t('A tool on your machine loads and runs this file by itself (an editor, a build tool, a Git hook).'),
    },
  };
}

/** The badge text and tooltip of a risk flag; an unknown code gets generic words, never the raw id alone. */
export function riskBadge(risk: { readonly code: string; readonly reason: string }): { label: string; tooltip: string } {
  const labels = riskLabels();
  const known = Object.hasOwn(labels, risk.code) ? labels[risk.code] : undefined;
  const label = known?.label ?? t('Needs a closer look');
  const explain = known?.explain ?? t('The sandbox flagged this file for a closer look.');
  return { label, tooltip: t('{0} Here: {1}.', explain, risk.reason) };
}

/** A file's decision in words, as the list and the diff header show it. */
export function decisionLabel(file: Pick<FileItem, 'decision' | 'hunkTally'>): string {
  switch (decisionStatus(file)) {
    case 'approved':
      return t('approved');
    case 'rejected':
      return t('rejected');
    case 'mixed':
      return t('decided: part approved, part rejected');
    default: {
      const tally = file.decision === 'partial' ? file.hunkTally : undefined;
      if (tally === undefined) return t('pending');
      const total = tally.approved + tally.rejected + tally.pending;
      return t('pending ({0} of {1} hunks decided)', total - tally.pending, total);
    }
  }
}

/** A decided/pending mark: a glyph for the eye and the words for screen readers. */
export function decisionGlyph(status: DecisionStatus): string {
  switch (status) {
    case 'approved':
      return '✓';
    case 'rejected':
      return '✗';
    case 'mixed':
      return '±';
    default:
      return '•';
  }
}
