/**
 * Registering runtimes in the engine's daemon.json. The merge is pure (unit-tested); the
 * write replaces the file atomically and keeps every other key. A file that is not a JSON
 * object is never rewritten: the person's engine configuration is theirs.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SandboxError } from '../errors';
import { daemonEntry, type RuntimeEntry } from './runtimes';

export const DAEMON_JSON = '/etc/docker/daemon.json';

export type MergeResult = { readonly changed: false } | { readonly changed: true; readonly text: string; readonly replaced: string[] };

/** daemon.json's text with the entries registered under their names; `undefined` text: no file yet. */
export function mergeRuntimes(text: string | undefined, entries: readonly RuntimeEntry[], file = DAEMON_JSON): MergeResult {
  let config: Record<string, unknown> = {};
  if (text !== undefined && text.trim() !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new SandboxError(
        'POLICY_INVALID',
        `${file} is not valid JSON (${(err as Error).message}); it was left as it is.`,
        'Fix the file (the engine would not start with it either), then run the setup again.',
      );
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new SandboxError(
        'POLICY_INVALID',
        `${file} does not hold a JSON object; it was left as it is.`,
        'Fix the file, then run the setup again.',
      );
    }
    config = parsed as Record<string, unknown>;
  }
  const existing = config.runtimes;
  if (existing !== undefined && (!existing || typeof existing !== 'object' || Array.isArray(existing))) {
    throw new SandboxError(
      'POLICY_INVALID',
      `"runtimes" in ${file} is not an object; the file was left as it is.`,
      'Fix the file, then run the setup again.',
    );
  }
  const runtimes = { ...((existing as Record<string, unknown> | undefined) ?? {}) };
  const replaced: string[] = [];
  let changed = false;
  for (const entry of entries) {
    const want = daemonEntry(entry);
    const have = runtimes[entry.name];
    if (JSON.stringify(have) === JSON.stringify(want)) continue;
    if (have !== undefined) replaced.push(entry.name);
    runtimes[entry.name] = want;
    changed = true;
  }
  if (!changed) return { changed: false };
  return { changed: true, text: `${JSON.stringify({ ...config, runtimes }, null, 2)}\n`, replaced };
}

/** Writes daemon.json through a temporary file and a rename, with the old file's mode. */
export function writeDaemonJson(text: string, file = DAEMON_JSON): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  let mode = 0o644;
  try {
    mode = fs.statSync(file).mode & 0o777;
  } catch {
    // No file yet.
  }
  const tmp = `${file}.agent-sandbox-${process.pid}.tmp`;
  fs.writeFileSync(tmp, text, { mode, flag: 'wx' });
  try {
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}
