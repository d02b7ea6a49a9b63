// Where the e2e machinery finds the repository and writes what a person may want to look at
// after a run (screenshots, server logs). The artifacts folder is gitignored.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Absolute path of the repository root. */
export const repoRoot = resolve(__dirname, '..', '..', '..');

/** Folder for screenshots and logs of e2e runs: `<repo>/.test-artifacts/e2e`. */
export const artifactsRoot = join(repoRoot, '.test-artifacts', 'e2e');

/** Creates (if needed) and returns `.test-artifacts/e2e/<name>`. */
export function artifactsDir(name: string): string {
  const dir = join(artifactsRoot, safeFileName(name));
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Turns a test title into something usable as a file or folder name. */
export function safeFileName(name: string): string {
  return (
    name
      .replace(/[^A-Za-z0-9._-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 80) || 'unnamed'
  );
}
