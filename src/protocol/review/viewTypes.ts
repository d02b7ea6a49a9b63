/**
 * What the review panel shows, as schemas: the change set's files, their diffs, decisions
 * and the outcome of an apply. The types are inferred from the schemas, so what the host
 * sends, what the webview checks and what both sides compile against are one definition.
 */
import * as z from 'zod/mini';
import { count, expecting, flag, list, oneOf, optional, positive, record, text } from './expect';

/** How a path differs between base and sandbox. */
export const CHANGE_KINDS = ['added', 'modified', 'deleted', 'typeChanged', 'modeChanged'] as const;
export const changeKindSchema = oneOf(CHANGE_KINDS);
export type ChangeKind = z.infer<typeof changeKindSchema>;

/** A decision a person can take on a file or a hunk. */
export const DECISIONS = ['pending', 'approved', 'rejected'] as const;
export const decisionSchema = oneOf(DECISIONS);
export type Decision = z.infer<typeof decisionSchema>;

/** A file's overall decision: `partial` when its hunks disagree. */
export const FILE_DECISIONS = [...DECISIONS, 'partial'] as const;
export const fileDecisionSchema = oneOf(FILE_DECISIONS);
export type FileDecision = z.infer<typeof fileDecisionSchema>;

/** The three ways out of a three-way merge conflict. */
export const CONFLICT_CHOICES = ['keep-theirs', 'take-sandbox', 'write-markers'] as const;
export const conflictChoiceSchema = oneOf(CONFLICT_CHOICES);
export type ConflictChoice = z.infer<typeof conflictChoiceSchema>;

/** Why a file deserves a closer look (e.g. `executable`, `ci-config`, `secrets`). */
export const riskFlagSchema = record({ code: text(), reason: text() });
export type RiskFlag = z.infer<typeof riskFlagSchema>;

/** The real tree changed under the sandbox and a three-way merge could not settle it. */
export const conflictInfoSchema = record({
  /** Human-readable summary, e.g. "3 conflicting regions". */
  detail: text(),
  /** The choices the host will accept for this file (normally all three). */
  choices: list(conflictChoiceSchema),
});
export type ConflictInfo = z.infer<typeof conflictInfoSchema>;

/** One changed path as the file list shows it. */
export const fileItemSchema = record({
  /** Workspace-relative, `/`-separated; a lossy decoding when `validUtf8` is false. */
  path: text(),
  kind: changeKindSchema,
  /** Size in bytes of the side that will be written (the base side for deletions). */
  size: count(),
  /** Size in bytes of the base side, when there is one. */
  oldSize: optional(count()),
  /** Octal permission strings for mode changes, e.g. "644" → "755". */
  oldMode: optional(text()),
  newMode: optional(text()),
  /** Non-empty when the file needs a closer look; such files are never approved in bulk. */
  risks: list(riskFlagSchema),
  /** Set when policy forbids applying this path at all; the reason says which rule. */
  neverApply: optional(text()),
  binary: optional(flag()),
  /** Too large to diff; the panel shows sizes and hashes instead. */
  tooLarge: optional(flag()),
  /** False when the file name is not valid UTF-8 (the shown `path` is lossy). */
  validUtf8: optional(flag()),
  decision: fileDecisionSchema,
  /** The reason given with a whole-file decision (a rejection's "why"). */
  reason: optional(text()),
  /** For a `partial` file: how many of its hunks are approved, rejected and still pending. */
  hunkTally: optional(record({ approved: count(), rejected: count(), pending: count() })),
  /** The path is a folder (shown as a folder, not as a size). */
  folder: optional(flag()),
  hunkCount: count(),
  conflict: optional(conflictInfoSchema),
});
export type FileItem = z.infer<typeof fileItemSchema>;

/**
 * The change set's counts, made by `totalsOf` only (see totals.ts). `approved`, `rejected`,
 * `partial` (decided in parts: every hunk decided, some approved, some rejected) and
 * `pending` (something still waits for a decision) partition the files.
 */
export const totalsSchema = record({
  files: count(),
  added: count(),
  modified: count(),
  deleted: count(),
  risky: count(),
  neverApply: count(),
  approved: count(),
  rejected: count(),
  partial: count(),
  pending: count(),
  conflicts: count(),
  /** Files apply will write (something in them is approved). */
  toApply: count(),
  /** Files with rejected changes, which apply undoes in the sandbox. */
  toUndo: count(),
});
export type Totals = z.infer<typeof totalsSchema>;

/** A few lines that tell the reviewer what the sandbox was allowed to do. */
export const policySummarySchema = record({
  title: text(),
  items: list(record({ label: text(), value: text() })),
});
export type PolicySummary = z.infer<typeof policySummarySchema>;

export const reviewStateSchema = record({
  protocolVersion: count(),
  /** Identifies the change set; decisions and diffs belong to one generation. */
  generation: count(),
  files: list(fileItemSchema),
  totals: totalsSchema,
  policy: policySummarySchema,
  /** True when the sandbox is gone and only discarding is possible. */
  readOnly: optional(flag()),
});
export type ReviewState = z.infer<typeof reviewStateSchema>;

export const DIFF_LINE_TYPES = ['context', 'add', 'del'] as const;
export type DiffLineType = (typeof DIFF_LINE_TYPES)[number];

export const diffLineSchema = record({
  type: oneOf(DIFF_LINE_TYPES),
  text: text(),
  oldNo: optional(positive()),
  newNo: optional(positive()),
  /** The line has no newline at end of file. */
  noNewline: optional(flag()),
});
export type DiffLine = z.infer<typeof diffLineSchema>;

const LINE_TYPES: ReadonlySet<unknown> = new Set<DiffLineType>(DIFF_LINE_TYPES);
const isLineNumber = (value: unknown) => value === undefined || (typeof value === 'number' && Number.isInteger(value) && value >= 1);

/** The checks of `diffLineSchema`, as plain comparisons. */
function isWellFormedLine(value: unknown): boolean {
  const line = value as Partial<Record<keyof DiffLine, unknown>> | null;
  return (
    typeof line === 'object' &&
    line !== null &&
    LINE_TYPES.has(line.type) &&
    typeof line.text === 'string' &&
    isLineNumber(line.oldNo) &&
    isLineNumber(line.newNo) &&
    (line.noNewline === undefined || typeof line.noNewline === 'boolean')
  );
}

/**
 * A hunk's lines. They come by the hundred thousand, so the common well-formed case is
 * checked with plain comparisons and the array is passed on as it came (no copy per line);
 * only a line that fails them goes through `diffLineSchema`, which then names the offending field.
 */
export const diffLinesSchema = z
  .custom<DiffLine[]>((value) => Array.isArray(value), expecting('an array'))
  .check(
    z.superRefine((lines, ctx) => {
      for (let i = 0; i < lines.length; i++) {
        if (isWellFormedLine(lines[i])) continue;
        const parsed = z.safeParse(diffLineSchema, lines[i]);
        for (const issue of parsed.error?.issues ?? []) {
          ctx.addIssue({ code: 'custom', message: issue.message, path: [i, ...issue.path], input: lines[i] });
        }
        return;
      }
    }),
  );

export const hunkViewSchema = record({
  /** 1-based, stable within one generation. */
  index: positive(),
  /** The `@@ -a,b +c,d @@` line, possibly with a section heading. */
  header: text(),
  lines: diffLinesSchema,
  decision: decisionSchema,
  reason: optional(text()),
});
export type HunkView = z.infer<typeof hunkViewSchema>;

export const contentHashesSchema = record({
  /** Hex digests (algorithm named by the host, e.g. "sha256:ab12…"). */
  base: optional(text()),
  sandbox: optional(text()),
});
export type ContentHashes = z.infer<typeof contentHashesSchema>;

/** The diff of one file, fetched on demand. Binary and oversized files carry no hunks. */
export const fileDiffSchema = record({
  path: text(),
  generation: count(),
  kind: changeKindSchema,
  binary: optional(flag()),
  tooLarge: optional(flag()),
  oldSize: optional(count()),
  newSize: optional(count()),
  hashes: optional(contentHashesSchema),
  hunks: list(hunkViewSchema),
});
export type FileDiff = z.infer<typeof fileDiffSchema>;

const decisionUpdateShape = {
  files: list(fileItemSchema),
  totals: totalsSchema,
  /** For hunk decisions (and file decisions on a file whose diff is open). */
  hunks: optional(
    record({
      path: text(),
      decisions: list(record({ index: positive(), decision: decisionSchema, reason: optional(text()) })),
    }),
  ),
};

/** What a decision request changed: the affected files, new totals and hunk decisions. */
export const decisionUpdateSchema = record(decisionUpdateShape);
export type DecisionUpdate = z.infer<typeof decisionUpdateSchema>;

export const approveAllResultSchema = record({
  ...decisionUpdateShape,
  /** Paths approve-all left alone because they need a closer look or may never be applied. */
  skippedRisky: count(),
  skippedNeverApply: count(),
});
export type ApproveAllResult = z.infer<typeof approveAllResultSchema>;

export const applyResultSchema = record({
  /** Written to the real tree as approved. */
  applied: list(text()),
  /** Written after a clean three-way merge with changes made in the real tree meanwhile. */
  merged: list(text()),
  /** Need a person's choice; answer with `resolveConflict`. */
  conflicts: list(record({ path: text(), detail: text(), choices: list(conflictChoiceSchema) })),
  /** Not written, with the reason (policy, a failed check, ...). */
  refused: list(record({ path: text(), reason: text() })),
  /** The person declined the confirmation; nothing was done. */
  cancelled: optional(flag()),
});
export type ApplyResult = z.infer<typeof applyResultSchema>;

export const progressSchema = record({
  busy: flag(),
  label: optional(text()),
  done: optional(count()),
  total: optional(count()),
});
export type Progress = z.infer<typeof progressSchema>;
