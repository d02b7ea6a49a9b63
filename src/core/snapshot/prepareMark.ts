/**
 * The mark a prepare of the base (prepareBase.ts) keeps in the session folder while it holds
 * the session lock, so that a start can tell that the lock's holder is doing the start's own
 * copying work, and wait for it rather than give up after the usual lock timeout.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { liveLockHolder } from '../session/teardown';

const PREPARING = 'preparing';

export function preparingMarkOf(sessionDir: string): string {
  return path.join(sessionDir, PREPARING);
}

/** Whether a live process is preparing this workspace's base right now. */
export function prepareRunning(sessionDir: string): boolean {
  return liveLockHolder(preparingMarkOf(sessionDir)) !== undefined;
}

export function writePreparingMark(sessionDir: string): void {
  fs.writeFileSync(preparingMarkOf(sessionDir), `${process.pid}\n`, { mode: 0o600 });
}

export function removePreparingMark(sessionDir: string): void {
  fs.rmSync(preparingMarkOf(sessionDir), { force: true });
}
