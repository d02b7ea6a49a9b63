/** What a caller asks of a session start, and what the start did. */
import type { ExtraMount } from '../engine/hardening';
import type { Policy } from '../policy';
import type { BaseChanges } from '../snapshot/baseChanges';
import type { SnapshotStrategy } from '../snapshot/sessionSnapshot';

export type Progress = (message: string) => void;

export interface SessionOptions {
  readonly workspaceRoot: string;
  readonly policy: Policy;
  readonly env?: NodeJS.ProcessEnv;
  readonly progress?: Progress;
  readonly signal?: AbortSignal;
  /** Forces a snapshot strategy (tests and benchmarks); otherwise chosen from the engine. */
  readonly strategy?: SnapshotStrategy;
  /** Further read-only mounts and fixed variables for the container (network proxy). */
  readonly extraMounts?: readonly ExtraMount[];
  readonly extraEnv?: Readonly<Record<string, string>>;
  /**
   * What a file watcher saw change in the workspace since the kept base copy was made: a
   * new session's refresh of that copy may then look at those paths only (see baseChanges.ts).
   * A function is asked only when the refresh begins, so that the watcher's events of the
   * last moments before the start have had the most time to arrive.
   */
  readonly baseChanges?: BaseChanges | (() => BaseChanges | undefined);
}

export type StartOutcome = 'created' | 'reused' | 'restarted' | 'recreated';
