/** Plain-text formatting for sizes, kinds and decisions shown in the panel. */
import type { ChangeKind, FileDecision } from '../../../src/protocol/review';

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
  partial: 'partly approved',
};

/** Splits a path into directory and base name so the list can emphasise the name. */
export function splitPath(path: string): { dir: string; name: string } {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? { dir: '', name: path } : { dir: path.slice(0, slash + 1), name: path.slice(slash + 1) };
}
