/** Plain-text formatting for sizes, kinds and decisions shown in the panel. */
import { decisionStatus, type ChangeKind, type DecisionStatus, type FileDecision, type FileItem } from '../../../src/protocol/review';

export function formatSize(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '?';
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

export const KIND_LABELS: Readonly<Record<ChangeKind, string>> = {
  added: 'added',
  modified: 'modified',
  deleted: 'deleted',
  typeChanged: 'type changed',
  modeChanged: 'mode changed',
};

/** One-letter code in the style of `git status --short`, with the full word for screen readers. */
export const KIND_LETTERS: Readonly<Record<ChangeKind, string>> = {
  added: 'A',
  modified: 'M',
  deleted: 'D',
  typeChanged: 'T',
  modeChanged: 'P',
};

export const DECISION_LABELS: Readonly<Record<FileDecision, string>> = {
  pending: 'pending',
  approved: 'approved',
  rejected: 'rejected',
  partial: 'decided in parts',
};

/** Splits a path into directory and base name so the list can emphasise the name. */
export function splitPath(path: string): { dir: string; name: string } {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? { dir: '', name: path } : { dir: path.slice(0, slash + 1), name: path.slice(slash + 1) };
}

/** Plain words for a risk flag's code, with what it means for the reviewer (the badge's tooltip). */
export const RISK_LABELS: Readonly<Record<string, { readonly label: string; readonly explain: string }>> = {
  policyPattern: {
    label: 'Matches your policy',
    explain: 'The path matches a pattern your sandbox policy marks as needing a closer look.',
  },
  gitDirectory: { label: 'Inside .git', explain: 'Git’s own files can change what Git runs; they are never applied.' },
  newExecutable: { label: 'New executable', explain: 'A new file that can be run as a program.' },
  executableBitChanged: { label: 'Executable bit changed', explain: 'Whether this file can be run as a program changes.' },
  setuid: { label: 'Asks for setuid', explain: 'The file asks to run with its owner’s rights; apply strips that bit.' },
  setgid: { label: 'Asks for setgid', explain: 'The file asks to run with its group’s rights; apply strips that bit.' },
  worldWritable: { label: 'World-writable', explain: 'Anyone on the machine could change this file; apply strips that bit.' },
  packageScripts: {
    label: 'Changes package scripts',
    explain: 'Package scripts run on your machine when you install, build or test.',
  },
  lockfile: { label: 'Dependency lockfile', explain: 'Changes which dependency versions get installed on your machine.' },
  registryConfig: {
    label: 'Package registry settings',
    explain: 'Changes where packages are downloaded from, or with which credentials.',
  },
  runsOnHost: {
    label: 'Runs on your machine',
    explain: 'A tool on your machine loads and runs this file by itself (an editor, a build tool, a Git hook).',
  },
};

/** The badge text and tooltip of a risk flag; an unknown code gets generic words, never the raw id alone. */
export function riskBadge(risk: { readonly code: string; readonly reason: string }): { label: string; tooltip: string } {
  const known = Object.hasOwn(RISK_LABELS, risk.code) ? RISK_LABELS[risk.code] : undefined;
  const label = known?.label ?? 'Needs a closer look';
  const explain = known?.explain ?? 'The sandbox flagged this file for a closer look.';
  return { label, tooltip: `${explain} Here: ${risk.reason}.` };
}

/** A file's decision in words, as the list and the diff header show it. */
export function decisionLabel(file: Pick<FileItem, 'decision' | 'hunkTally'>): string {
  switch (decisionStatus(file)) {
    case 'approved':
      return 'approved';
    case 'rejected':
      return 'rejected';
    case 'mixed':
      return 'decided: part approved, part rejected';
    default: {
      const tally = file.decision === 'partial' ? file.hunkTally : undefined;
      if (tally === undefined) return 'pending';
      const total = tally.approved + tally.rejected + tally.pending;
      return `pending (${total - tally.pending} of ${total} hunks decided)`;
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
