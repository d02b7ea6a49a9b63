/** Small file-system helpers shared across the core. */
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
