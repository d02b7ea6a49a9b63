/**
 * A stand-in for the extension host's side of the review protocol, with generated data:
 * N changed files sharing M diff lines, a mix of kinds, risky, never-apply, binary, oversized
 * and conflicting files, and one file whose name is an HTML injection attempt. It keeps
 * decisions like the real host and answers every request of the protocol, so the browser
 * tests exercise the webview exactly as the extension will. Pure: no DOM, no Node.
 */
import {
  REVIEW_PROTOCOL_VERSION,
  type ApplyResult,
  type ChangeKind,
  type Decision,
  type DecisionUpdate,
  type FileDecision,
  type FileDiff,
  type FileItem,
  type HunkView,
  type NotificationMessage,
  type ReplyMessage,
  type RequestMessage,
  type RequestMethod,
  type RequestParams,
  type RequestResult,
  type ReviewState,
  type Totals,
  hasApproved,
  isPending,
  totalsOf,
} from '../../../src/protocol/review';

export interface FakeHostConfig {
  readonly files: number;
  /** Diff lines across all text files. */
  readonly totalLines: number;
  /** When set, the first ordinary file has a diff of this many lines instead. */
  readonly hugeDiffLines?: number;
  readonly linesPerHunk: number;
}

export const DEFAULT_CONFIG: FakeHostConfig = { files: 60, totalLines: 3000, linesPerHunk: 10 };

/** The file name that tries to inject markup; the tests check it is shown as text. */
export const HOSTILE_NAME = 'docs/<img src=x onerror=alert(1)>.md';

interface FileRecord {
  item: FileItem;
  lines: number;
  hunkDecisions: Decision[];
  hunkReasons: (string | undefined)[];
  conflictsOnApply: boolean;
}

/** What survives a reload of the page (the real host outlives its webview). */
export interface FakeHostMemory {
  generation: number;
  decisions: Record<string, { hunks: Decision[]; reasons: (string | undefined)[] }>;
  gone: string[];
  conflicts: string[];
}

const KINDS: readonly ChangeKind[] = [
  'added',
  'deleted',
  'modeChanged',
  'typeChanged',
  'modified',
  'modified',
  'modified',
  'modified',
  'modified',
  'modified',
];

function fileDecision(hunks: readonly Decision[]): FileDecision {
  if (hunks.length === 0) return 'pending';
  if (hunks.every((d) => d === 'approved')) return 'approved';
  if (hunks.every((d) => d === 'rejected')) return 'rejected';
  if (hunks.every((d) => d === 'pending')) return 'pending';
  return 'partial';
}

function pathFor(i: number): string {
  if (i === 2) return HOSTILE_NAME;
  if (i % 100 === 7) return `config/.env.${i}`;
  if (i % 25 === 3) return `.github/workflows/ci-${i}.yml`;
  if (i % 50 === 11) return `assets/image-${i}.png`;
  return `src/module-${i % 40}/component-${i}.ts`;
}

function hexHash(seed: number): string {
  let h = 0x811c9dc5 ^ seed;
  let out = '';
  for (let i = 0; i < 8; i++) {
    h = Math.imul(h ^ (h >>> 13), 0x5bd1e995) >>> 0;
    out += h.toString(16).padStart(8, '0');
  }
  return `sha256:${out}`;
}

export class FakeReviewHost {
  readonly received: RequestMessage[] = [];
  private records: FileRecord[] = [];
  private generation = 1;

  constructor(
    private readonly config: FakeHostConfig,
    memory?: FakeHostMemory,
  ) {
    this.records = this.generate();
    if (memory !== undefined) this.restore(memory);
  }

  private generate(): FileRecord[] {
    const { files, totalLines, linesPerHunk, hugeDiffLines } = this.config;
    const linesPerFile = Math.max(1, Math.round(totalLines / Math.max(1, files)));
    const records: FileRecord[] = [];
    let hugeAssigned = false;
    for (let i = 0; i < files; i++) {
      const path = pathFor(i);
      const binary = path.endsWith('.png');
      const tooLarge = !binary && i % 200 === 13;
      let lines = binary || tooLarge ? 0 : linesPerFile;
      const kind = binary ? 'modified' : KINDS[i % KINDS.length];
      const risks =
        i % 25 === 3
          ? [{ code: 'policyPattern', reason: 'matches the risky pattern ".github/workflows/**"' }]
          : kind === 'modeChanged'
            ? [{ code: 'executableBitChanged', reason: 'made executable' }]
            : [];
      const neverApply = i % 100 === 7 ? 'matches never-apply pattern **/.env*' : undefined;
      if (hugeDiffLines !== undefined && !hugeAssigned && risks.length === 0 && !neverApply && lines > 0 && i > 2) {
        lines = hugeDiffLines;
        hugeAssigned = true;
      }
      // One new, empty folder: listed as a folder, never as "0 B".
      const folder = i === 20 && kind === 'added';
      if (folder) lines = 0;
      const hunkCount = Math.ceil(lines / linesPerHunk);
      const item: FileItem = {
        path,
        kind,
        size: 1000 + ((i * 7919) % 200_000),
        oldSize: kind === 'added' ? undefined : 900 + ((i * 104_729) % 150_000),
        ...(kind === 'modeChanged' ? { oldMode: '644', newMode: '755' } : {}),
        risks,
        ...(neverApply ? { neverApply } : {}),
        ...(binary ? { binary: true } : {}),
        ...(tooLarge ? { tooLarge: true, size: 48_000_000 } : {}),
        decision: 'pending',
        hunkCount,
        ...(folder ? { path: 'src/module-20/new-folder', folder: true, size: 0 } : {}),
        ...(i === 1
          ? { conflict: { detail: '2 conflicting regions', choices: ['keep-theirs', 'take-sandbox', 'write-markers'] as const } }
          : {}),
      };
      records.push({
        item,
        lines,
        hunkDecisions: new Array<Decision>(hunkCount).fill('pending'),
        hunkReasons: new Array<string | undefined>(hunkCount).fill(undefined),
        conflictsOnApply: i % 97 === 5,
      });
    }
    return records;
  }

  memory(): FakeHostMemory {
    const decisions: FakeHostMemory['decisions'] = {};
    for (const record of this.records) {
      if (record.hunkDecisions.some((d) => d !== 'pending')) {
        decisions[record.item.path] = { hunks: record.hunkDecisions, reasons: record.hunkReasons };
      }
    }
    const present = new Set(this.records.map((r) => r.item.path));
    const gone = this.generate()
      .map((r) => r.item.path)
      .filter((p) => !present.has(p));
    const conflicts = this.records.filter((r) => r.item.conflict).map((r) => r.item.path);
    return { generation: this.generation, decisions, gone, conflicts };
  }

  private restore(memory: FakeHostMemory): void {
    this.generation = memory.generation;
    const gone = new Set(memory.gone);
    this.records = this.records.filter((r) => !gone.has(r.item.path));
    for (const record of this.records) {
      const saved = memory.decisions[record.item.path];
      if (saved !== undefined && saved.hunks.length === record.hunkDecisions.length) {
        record.hunkDecisions = saved.hunks;
        record.hunkReasons = saved.reasons;
      }
      this.syncDecision(record);
      const inConflict = memory.conflicts.includes(record.item.path);
      if (!inConflict && record.item.conflict) record.item = { ...record.item, conflict: undefined };
      if (inConflict && !record.item.conflict)
        record.item = {
          ...record.item,
          conflict: { detail: 'the real file changed', choices: ['keep-theirs', 'take-sandbox', 'write-markers'] },
        };
    }
  }

  private find(path: string): FileRecord {
    const record = this.records.find((r) => r.item.path === path);
    if (record === undefined) throw new Error(`No changed file ${path}`);
    return record;
  }

  private syncDecision(record: FileRecord): void {
    const decision = fileDecision(record.hunkDecisions);
    const { hunkTally: _tally, reason: _reason, ...rest } = record.item;
    const tally = { approved: 0, rejected: 0, pending: 0 };
    for (const d of record.hunkDecisions) tally[d]++;
    record.item = { ...rest, decision, ...(decision === 'partial' ? { hunkTally: tally } : {}) };
  }

  private setAll(record: FileRecord, decision: Decision, reason?: string): void {
    record.hunkDecisions = record.hunkDecisions.map(() => decision);
    record.hunkReasons = record.hunkReasons.map(() => reason);
    if (record.hunkDecisions.length === 0) {
      // Binary and oversized files have no hunks; keep the file decision itself.
      record.item = { ...record.item, decision };
    } else {
      this.syncDecision(record);
    }
    // A whole-file decision carries its reason, as the real host's does.
    const { reason: _old, ...rest } = record.item;
    record.item = decision !== 'pending' && reason !== undefined ? { ...rest, reason } : rest;
  }

  totals(): Totals {
    return totalsOf(this.records.map((r) => r.item));
  }

  state(): ReviewState {
    return {
      protocolVersion: REVIEW_PROTOCOL_VERSION,
      generation: this.generation,
      files: this.records.map((r) => r.item),
      totals: this.totals(),
      policy: {
        title: 'workspace default',
        items: [
          { label: 'Network', value: 'egress proxy, allow-list of 3 hosts' },
          { label: 'Never apply', value: '**/.env*, .git/**' },
          { label: 'Needs a closer look', value: 'CI workflows, executables, lockfiles' },
        ],
      },
    };
  }

  private diff(record: FileRecord): FileDiff {
    const { item } = record;
    const index = this.records.indexOf(record);
    const base: FileDiff = { path: item.path, generation: this.generation, kind: item.kind, hunks: [] };
    if (item.binary || item.tooLarge) {
      return {
        ...base,
        ...(item.binary ? { binary: true } : { tooLarge: true }),
        oldSize: item.oldSize,
        newSize: item.size,
        hashes: { base: hexHash(index), sandbox: hexHash(index + 1_000_003) },
      };
    }
    const hunks: HunkView[] = [];
    const per = this.config.linesPerHunk;
    for (let h = 0; h < record.hunkDecisions.length; h++) {
      const count = Math.min(per, record.lines - h * per);
      const start = 1 + h * (per + 20);
      const lines = [];
      let oldNo = start;
      let newNo = start;
      for (let l = 0; l < count; l++) {
        const kind = l % 5 === 1 ? 'del' : l % 5 === 2 ? 'add' : 'context';
        const text = `${'  '.repeat(l % 4)}const value${h}_${l} = compute(${index}, ${l}); // ${kind === 'add' ? 'new' : kind === 'del' ? 'old' : 'same'}\t<b>not bold</b>`;
        if (kind === 'del') lines.push({ type: kind, text, oldNo: oldNo++ } as const);
        else if (kind === 'add') lines.push({ type: kind, text, newNo: newNo++ } as const);
        else lines.push({ type: kind, text, oldNo: oldNo++, newNo: newNo++ } as const);
      }
      hunks.push({
        index: h + 1,
        header: `@@ -${start},${oldNo - start} +${start},${newNo - start} @@ function section${h}()`,
        lines,
        decision: record.hunkDecisions[h],
        ...(record.hunkReasons[h] != null ? { reason: record.hunkReasons[h] } : {}),
      });
    }
    return { ...base, hunks };
  }

  private update(records: FileRecord[], hunksOf?: FileRecord): DecisionUpdate {
    return {
      files: records.map((r) => r.item),
      totals: this.totals(),
      ...(hunksOf
        ? {
            hunks: {
              path: hunksOf.item.path,
              decisions: hunksOf.hunkDecisions.map((decision, i) => ({
                index: i + 1,
                decision,
                ...(hunksOf.hunkReasons[i] != null ? { reason: hunksOf.hunkReasons[i] } : {}),
              })),
            },
          }
        : {}),
    };
  }

  private apply(): ApplyResult {
    const result = {
      applied: [] as string[],
      merged: [] as string[],
      conflicts: [] as ApplyResult['conflicts'][number][],
      refused: [] as { path: string; reason: string }[],
    };
    const remaining: FileRecord[] = [];
    for (const record of this.records) {
      const { item } = record;
      if (!hasApproved(item)) {
        remaining.push(record);
      } else if (item.neverApply !== undefined) {
        result.refused.push({ path: item.path, reason: item.neverApply });
        remaining.push(record);
      } else if (record.conflictsOnApply || item.conflict) {
        const conflict = item.conflict ?? {
          detail: 'the real file changed since the sandbox started',
          choices: ['keep-theirs', 'take-sandbox', 'write-markers'] as const,
        };
        result.conflicts.push({ path: item.path, detail: conflict.detail, choices: conflict.choices });
        record.item = { ...item, conflict };
        remaining.push(record);
      } else if (this.records.indexOf(record) % 3 === 0) {
        result.merged.push(item.path);
      } else {
        result.applied.push(item.path);
      }
    }
    this.records = remaining;
    this.generation++;
    return result;
  }

  /**
   * One answer per request, typed like the extension's handler map (RequestHandlers): an
   * answer of the wrong result type does not compile. Synchronous, as the page posts the
   * reply right after.
   */
  private readonly answers: {
    readonly [M in RequestMethod]: (params: RequestParams<M>, notify: (notification: NotificationMessage) => void) => RequestResult<M>;
  } = {
    ready: () => this.state(),
    refresh: () => this.state(),
    requestDiff: ({ path }) => this.diff(this.find(path)),
    setFileDecision: ({ path, decision, reason }) => {
      const record = this.find(path);
      if (record.item.neverApply !== undefined) throw new Error(`${record.item.path} is never applied: ${record.item.neverApply}`);
      this.setAll(record, decision, reason);
      return this.update([record], record);
    },
    setHunkDecision: ({ path, hunk, decision, reason }) => {
      const record = this.find(path);
      const at = hunk - 1;
      if (at < 0 || at >= record.hunkDecisions.length) throw new Error(`${record.item.path} has no hunk ${hunk}`);
      record.hunkDecisions[at] = decision;
      record.hunkReasons[at] = reason;
      this.syncDecision(record);
      return this.update([record], record);
    },
    approveAll: () => {
      const changed = this.records.filter(
        (r) => r.item.decision === 'pending' && r.item.risks.length === 0 && r.item.neverApply === undefined,
      );
      changed.forEach((r) => this.setAll(r, 'approved'));
      const skippedRisky = this.records.filter((r) => r.item.risks.length > 0 && r.item.neverApply === undefined).length;
      const skippedNeverApply = this.records.filter((r) => r.item.neverApply !== undefined).length;
      return { ...this.update(changed), skippedRisky, skippedNeverApply };
    },
    rejectAll: () => {
      const changed = this.records.filter((r) => isPending(r.item));
      changed.forEach((r) => this.setAll(r, 'rejected'));
      return this.update(changed);
    },
    apply: (_params, notify) => {
      notify({ kind: 'notification', method: 'progress', params: { busy: true, label: 'Applying', done: 0, total: this.records.length } });
      const result = this.apply();
      notify({ kind: 'notification', method: 'progress', params: { busy: false } });
      return result;
    },
    discard: () => {
      const discarded = this.records.length;
      this.records = [];
      this.generation++;
      return { discarded };
    },
    openNativeDiff: ({ path }) => {
      this.find(path);
      return { opened: true };
    },
    resolveConflict: ({ path: wanted, choice }) => {
      const record = this.find(wanted);
      this.records = this.records.filter((r) => r !== record);
      this.generation++;
      const path = record.item.path;
      return choice === 'keep-theirs'
        ? { applied: [], merged: [], conflicts: [], refused: [] }
        : { applied: [path], merged: [], conflicts: [], refused: [] };
    },
    mergeInEditor: ({ path }) => {
      this.find(path);
      return { opened: 'mergeEditor' };
    },
  };

  private answer<M extends RequestMethod>(
    message: RequestMessage<M>,
    notify: (notification: NotificationMessage) => void,
  ): RequestResult<M> {
    const answer: (params: RequestParams<M>, notify: (notification: NotificationMessage) => void) => RequestResult<M> =
      this.answers[message.method];
    return answer(message.params, notify);
  }

  /** Answers one request; `notify` receives any notifications the request causes. */
  handle(message: RequestMessage, notify: (notification: NotificationMessage) => void): ReplyMessage {
    this.received.push(message);
    try {
      return { kind: 'reply', id: message.id, ok: true, result: this.answer(message, notify) };
    } catch (error) {
      return {
        kind: 'reply',
        id: message.id,
        ok: false,
        error: { message: error instanceof Error ? error.message : String(error), hint: 'Refresh the panel.' },
      };
    }
  }
}
