/**
 * The on-disk journal of one change to the real tree (an apply or an undo): what each path
 * was before (with a backup of replaced files), what it becomes, and the temporary names used
 * on the way. A crash leaves a journal that is not "committed"; recovery rolls it back.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fsyncDir, writeFileAtomic } from './realTree';

export type StoredState =
  | { readonly type: 'absent' }
  | {
      readonly type: 'file';
      readonly mode: number;
      readonly sha256: string;
      readonly size?: number;
      /** file name in the journal directory */ readonly backup?: string;
    }
  | { readonly type: 'symlink'; readonly target: string }
  | { readonly type: 'directory'; readonly mode: number };

/** How the snapshot learns about a committed path, so it leaves the pending set. */
export type AcceptMode = 'sandbox' | 'written' | 'deleted' | 'none';

export interface JournalOp {
  readonly rel: string;
  readonly before: StoredState;
  readonly after: StoredState;
  /** Name of the temporary entry in the target's directory, when the op writes one. */
  readonly tmp?: string;
  readonly accept: AcceptMode;
  /** After accepting, bring the sandbox side to the written content (a whole-file merge). */
  readonly resyncSandbox?: boolean;
  /** For `written`: a file in the journal directory with what the snapshot records, when it differs from what was written. */
  readonly acceptFrom?: string;
  /** The snapshot's base before the apply: a file name in the journal directory, or null when it had none. */
  readonly baseBefore?: string | null;
}

export type JournalKind = 'apply' | 'undo';
export type JournalState = 'prepared' | 'committed' | 'accepted' | 'rolledBack' | 'undone';

export interface JournalRecord {
  readonly version: 1;
  readonly id: string;
  readonly kind: JournalKind;
  readonly root: string;
  readonly createdAt: string;
  readonly ops: readonly JournalOp[];
  /** For an undo: the id of the apply it reverses. */
  readonly undoes?: string;
}

export class JournalStore {
  constructor(readonly dir: string) {}

  journalDir(id: string): string {
    return path.join(this.dir, id);
  }

  async create(record: JournalRecord): Promise<void> {
    await fs.promises.mkdir(this.journalDir(record.id), { recursive: true });
    await writeFileAtomic(path.join(this.journalDir(record.id), 'journal.json'), JSON.stringify(record));
    // The new journal directory's own entry must survive a crash too.
    await fsyncDir(this.dir);
  }

  async prepareDir(id: string): Promise<string> {
    const dir = this.journalDir(id);
    await fs.promises.mkdir(dir, { recursive: true });
    return dir;
  }

  async setState(id: string, state: JournalState): Promise<void> {
    await writeFileAtomic(path.join(this.journalDir(id), 'state'), state);
  }

  async state(id: string): Promise<JournalState> {
    try {
      return (await fs.promises.readFile(path.join(this.journalDir(id), 'state'), 'utf8')).trim() as JournalState;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'prepared';
      throw err;
    }
  }

  async read(id: string): Promise<JournalRecord | undefined> {
    try {
      return JSON.parse(await fs.promises.readFile(path.join(this.journalDir(id), 'journal.json'), 'utf8')) as JournalRecord;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  /** Journal ids, oldest first (ids start with a sortable timestamp). */
  async list(): Promise<string[]> {
    try {
      return (await fs.promises.readdir(this.dir)).filter((n) => !n.includes('.tmp-')).sort();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  }

  async remove(id: string): Promise<void> {
    await fs.promises.rm(this.journalDir(id), { recursive: true, force: true });
  }

  backupPath(id: string, name: string): string {
    return path.join(this.journalDir(id), name);
  }
}

export function newJournalId(): string {
  const now = new Date().toISOString().replace(/[-:.TZ]/g, '');
  return `${now}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}
