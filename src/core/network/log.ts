/**
 * The network log: one JSON object per line for every request the proxy saw, with the
 * decision and why. Appended synchronously so the order on disk is the order of decisions
 * and a crash loses nothing already decided.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readJsonLines } from '../fsx';

export interface NetworkLogRecord {
  /** ISO 8601 time of the decision. */
  readonly time: string;
  /** `CONNECT` for tunnels, the HTTP method for plain HTTP requests. */
  readonly method: string;
  readonly host: string;
  readonly port: number;
  readonly decision: 'allow' | 'deny';
  readonly reason: string;
  /** The rule that decided, as written in the policy; absent when none matched. */
  readonly rule?: string;
  /** The address the proxy connected to (allowed requests only). */
  readonly address?: string;
  /** The person's answer when the proxy asked. */
  readonly answer?: string;
  /** Header names of credentials the proxy added (never their values). */
  readonly injected?: readonly string[];
}

export type NetworkLogSink = (record: NetworkLogRecord) => void;

/** A sink that appends JSONL to `file` (created with its folder, readable by the owner only). */
export function jsonlNetworkLog(file: string): NetworkLogSink {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  return (record) => {
    fs.appendFileSync(file, `${JSON.stringify(record)}\n`, { mode: 0o600 });
  };
}

/**
 * The log as a person reads it: one line per request, newest last, with the decision, the
 * rule that decided and, for allowed requests, the address the proxy connected to. Plain
 * text: hosts come from the sandbox and are never interpreted.
 */
export function formatNetworkLog(records: readonly NetworkLogRecord[]): string {
  if (!records.length) return 'No network requests yet. In "none" mode there are none: the sandbox has no network.\n';
  const lines = records.map((r) => {
    const target = `${r.method} ${r.host}:${r.port}`;
    const why = [
      r.reason,
      r.rule ? `rule ${r.rule}` : '',
      r.answer ? `you answered ${r.answer}` : '',
      r.address ? `via ${r.address}` : '',
      r.injected?.length ? `added ${r.injected.join(', ')}` : '',
    ]
      .filter(Boolean)
      .join('; ');
    return `${r.time}  ${r.decision === 'allow' ? 'ALLOWED' : 'DENIED '}  ${target}  (${why})`;
  });
  const denied = records.filter((r) => r.decision === 'deny').length;
  return `${records.length} request${records.length === 1 ? '' : 's'}, ${denied} denied\n\n${lines.join('\n')}\n`;
}

/** Reads a JSONL network log; a torn last line (a write cut short) is skipped. */
export function readNetworkLog(file: string): NetworkLogRecord[] {
  return readJsonLines<NetworkLogRecord>(file);
}
