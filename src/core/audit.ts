/**
 * The session's audit log: one JSON line per event, appended (mode 0600) and never rewritten.
 * It lives in the session's folder on the host, which the sandbox cannot write (only the copy
 * of the workspace is mounted into the container).
 *
 * Writing it never breaks the caller's work: a failed append is reported to the failure
 * sink (the extension's output channel, or stderr) and the operation goes on.
 */
import * as fs from 'node:fs';
import { readJsonLines } from './fsx';

export type AuditEvent =
  | 'command'
  | 'start'
  | 'stop'
  | 'reset'
  | 'apply'
  | 'discard'
  | 'undo'
  | 'reject'
  | 'recover'
  | 'gc'
  | 'terminal-open'
  | 'terminal-input'
  | 'terminal-close';

export interface AuditRecord {
  readonly time: string;
  readonly session: string;
  readonly event: AuditEvent;
  readonly argv?: readonly string[];
  readonly exitCode?: number;
  readonly outcome?: string;
  readonly durationMs?: number;
  readonly changedFiles?: readonly string[];
  /** apply: the files written; undo: the files restored; discard: the files reverted; reject: the file. */
  readonly files?: readonly string[];
  /** apply: files in conflict with edits in the real tree (left as they were). */
  readonly conflicts?: readonly string[];
  /** apply: files refused (unsafe, never applied); discard: files that could not be reverted. */
  readonly refused?: readonly string[];
  /** apply: the apply's journal id; undo: the id of the apply it undid. */
  readonly journal?: string;
  /** reject: the hunks rejected (1-based), absent for the whole file. */
  readonly hunks?: readonly number[];
  /** reject: the reason the person gave. */
  readonly reason?: string;
  /** terminal-*: which terminal (a short id, the same for its open, inputs and close). */
  readonly terminal?: string;
  /** terminal-input: the line as typed (see src/extension/audit/terminalRecorder.ts for its limits). */
  readonly input?: string;
  readonly detail?: string;
}

export type AuditEntry = Omit<AuditRecord, 'time'>;

type FailureSink = (message: string) => void;
let failureSink: FailureSink = (message) => process.stderr.write(`agent-sandbox: ${message}\n`);

/** Where failed audit writes are reported (the extension sets its output channel). Returns the previous sink. */
export function setAuditFailureSink(sink: FailureSink): FailureSink {
  const previous = failureSink;
  failureSink = sink;
  return previous;
}

/** Appends one record; returns false (after reporting why) when it could not be written. Never throws. */
export function appendAudit(file: string, record: AuditEntry): boolean {
  try {
    const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT | fs.constants.O_NOFOLLOW, 0o600);
    try {
      fs.writeSync(fd, `${JSON.stringify({ time: new Date().toISOString(), ...record })}\n`);
    } finally {
      fs.closeSync(fd);
    }
    return true;
  } catch (err) {
    try {
      failureSink(`The audit log ${file} could not be written (${record.event}): ${(err as Error).message}`);
    } catch {
      // A failing sink must not break the caller either.
    }
    return false;
  }
}

export function readAudit(file: string): AuditRecord[] {
  return readJsonLines<AuditRecord>(file);
}
