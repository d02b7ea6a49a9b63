/** The airlock: change sets, review decisions, and the only writer of the real tree. */
export { Airlock } from './airlock';
export type {
  AirlockOptions,
  ApplyOptions,
  ApplyReport,
  ApproveAllReport,
  RecoveryReport,
  SkipKind,
  SkippedFile,
  UndoReport,
} from './airlock';
export type { AppliedFile, AppliedStatus, ConflictFile, ConflictResolution, RefusalKind, RefusedFile } from './plan';
export type { FeedbackItem } from './review';
export { InjectedFault, type FaultInjection } from './transaction';
export { DIFF_SIZE_CAP } from './content';
export type * from './types';
