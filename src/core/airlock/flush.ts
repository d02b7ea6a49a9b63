/**
 * Makes many newly written files durable in one pass instead of one fsync each as they are
 * written: the files are written first, then fsynced side by side (a bounded number at a
 * time), then their directories. Concurrent fsyncs on one file system share its journal
 * commits, so the pass costs far less than the same fsyncs spread over the writes, and each
 * file's own fsync still reports its own write-back error (which syncfs does not on every
 * kernel, and Node cannot call anyway).
 */
import * as fs from 'node:fs';
import { mapLimit } from './pool';
import { fsyncDir } from './realTree';

/** fsyncs in flight at once: enough to keep the thread pool busy and share journal commits. */
const FLUSH_CONCURRENCY = 32;

/**
 * fsyncs every file of `files` (opened again without following a symlink: each is a name
 * this process just created) and then every directory of `dirs`. Throws on the first
 * failure, after every started fsync has settled.
 */
export async function flushFiles(files: readonly string[], dirs: readonly string[] = []): Promise<void> {
  await mapLimit(files, FLUSH_CONCURRENCY, async (file) => {
    const handle = await fs.promises.open(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  });
  await mapLimit([...new Set(dirs)], FLUSH_CONCURRENCY, (dir) => fsyncDir(dir));
}
