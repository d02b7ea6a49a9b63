/** The session's audit log: one JSON line per command, appended and never rewritten. */
import * as fs from 'node:fs';

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
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const out: AuditRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as AuditRecord);
    } catch {
      // A torn last line after a crash is skipped, the rest stays readable.
    }
  }
  return out;
}
