/** The session's audit log: one JSON line per command, appended and never rewritten. */
import * as fs from 'node:fs';
import { readJsonLines } from './fsx';

export interface AuditRecord {
  readonly time: string;
  readonly session: string;
  readonly event: 'command' | 'start' | 'stop' | 'reset' | 'apply' | 'discard' | 'undo' | 'gc';
  readonly argv?: readonly string[];
  readonly exitCode?: number;
  readonly outcome?: string;
  readonly durationMs?: number;
  readonly changedFiles?: readonly string[];
  readonly detail?: string;
}

export function appendAudit(file: string, record: Omit<AuditRecord, 'time'>): void {
  fs.appendFileSync(file, `${JSON.stringify({ time: new Date().toISOString(), ...record })}\n`, { mode: 0o600 });
}

export function readAudit(file: string): AuditRecord[] {
  return readJsonLines<AuditRecord>(file);
}
