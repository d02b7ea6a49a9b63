/**
 * One writer of the real tree at a time per session, across processes (the extension and the
 * CLI can both act on a session). A lock left by a dead process is taken over.
 */
import * as fs from 'node:fs';
import { SandboxError } from '../errors';
import { processAlive } from '../sessionState';

export async function withFileLock<T>(file: string, work: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await fs.promises.open(file, 'wx', 0o600);
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 2) throw err;
      const holder = Number.parseInt(await fs.promises.readFile(file, 'utf8').catch(() => ''), 10);
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && processAlive(holder)) {
        throw new SandboxError('SESSION_BUSY', `Another apply, undo or discard is running on this session (process ${holder}).`, 'Wait for it to finish, then try again.');
      }
      await fs.promises.rm(file, { force: true });
    }
  }
  try {
    return await work();
  } finally {
    await fs.promises.rm(file, { force: true });
  }
}
