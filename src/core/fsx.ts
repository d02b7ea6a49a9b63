/** Small file-system helpers shared across the core. */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';

/** lstat, or undefined when nothing is there (also when a parent is not a directory). */
export async function lstatOrUndefined(p: fs.PathLike): Promise<fs.Stats | undefined> {
  try {
    return await fs.promises.lstat(p);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
}

/** Reads a JSON Lines file; a missing file is empty and a torn last line (a write cut short) is skipped. */
export function readJsonLines<T>(file: string): T[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: T[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      // Skipped: the rest stays readable.
    }
  }
  return out;
}

/**
 * Puts `content` at `file` in one step: written to a new private temporary file beside it
 * (exclusive create, so a planted file or link there is never written through), then renamed
 * over it. A reader sees the old file or the new one, never half of one.
 */
export function replaceFileSync(
  file: string,
  content: string | Buffer,
  mode: number,
  temp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}`,
): void {
  try {
    fs.writeFileSync(temp, content, { mode, flag: 'wx' });
    fs.renameSync(temp, file);
  } finally {
    fs.rmSync(temp, { force: true });
  }
}
