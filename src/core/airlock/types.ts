/**
 * The airlock's vocabulary: what changed (a change set), what is risky about it, what apply
 * will never write, and what a person decided.
 */
import type { EntryInfo } from '../snapshot/types';

/**
 * `modified`: content changed (the mode may have changed too). `typeChanged`: the entry became
 * another kind of thing (file -> symlink, file -> directory...). `modeChanged`: only the
 * permission bits changed.
 */
export type ChangeKind = 'added' | 'modified' | 'deleted' | 'typeChanged' | 'modeChanged';

/** How the content of one side can be shown. */
export type ContentClass = 'text' | 'binary' | 'tooLarge' | 'none';

export interface SideInfo {
  readonly entry: EntryInfo;
  /** For regular files: sha256 of the content, hex. */
  readonly sha256?: string;
  readonly content: ContentClass;
}

export type RiskCode =
  | 'policyPattern'
  | 'gitDirectory'
  | 'newExecutable'
  | 'executableBitChanged'
  | 'setuid'
  | 'setgid'
  | 'worldWritable'
  | 'packageScripts'
  | 'lockfile'
  | 'registryConfig'
  /** A file some tool loads and runs by itself (see hostCodeRules.ts). */
  | 'runsOnHost';

export interface RiskFlag {
  readonly code: RiskCode;
  /** A short human reason, shown next to the file. */
  readonly reason: string;
}

export type NeverApplyCode = 'gitDirectory' | 'specialFile' | 'invalidName' | 'nameCollision' | 'symlinkEscapes' | 'unsafePath';

export interface NeverApplyReason {
  readonly code: NeverApplyCode;
  readonly reason: string;
}

export interface ChangeEntry {
  readonly path: string;
  readonly rawPath: Buffer;
  readonly kind: ChangeKind;
  readonly base?: SideInfo;
  readonly sandbox?: SideInfo;
  readonly risks: readonly RiskFlag[];
  /** Non-empty: apply refuses this entry whatever anyone decides. */
  readonly neverApply: readonly NeverApplyReason[];
  /**
   * Identifies exactly this change (both sides' types, modes, hashes and link targets). A
   * file-level decision holds only while the fingerprint is the same.
   */
  readonly fingerprint: string;
}

export interface ChangeSet {
  readonly entries: readonly ChangeEntry[];
  get(path: string): ChangeEntry | undefined;
}

export type DecisionState = 'approved' | 'rejected' | 'pending';

export interface Hunk {
  /** 1-based position in the file, as the CLI names it (`path#2`). */
  readonly index: number;
  /** sha256 of the hunk's lines (context included) and its rank among identical hunks. */
  readonly id: string;
  /** Where the hunk's changed lines sit in the base (0-based line numbers, end exclusive). */
  readonly baseStart: number;
  readonly baseEnd: number;
  /** The lines that replace base[baseStart, baseEnd), with their line endings. */
  readonly newLines: readonly string[];
  /** Unified-diff header and body, for display. */
  readonly header: string;
  readonly lines: readonly string[];
}
