// The product as the e2e tests install it: what it needs on this machine (Chromium, a Docker
// engine, the base image, code-server), a fresh build, and the .vsix made from it.
import { join } from 'node:path';
import { ensureCodeServer } from './codeServer';
import { repoRoot } from './paths';
import { runTool } from './runTool';
import { packageExtension } from './vsix';

/** Makes sure the machine has what the e2e tests drive, builds the extension, and returns its .vsix (written to `outDir`). */
export async function prepareProductVsix(outDir: string): Promise<string> {
  for (const script of ['ensure-browser', 'ensure-docker', 'ensure-base-image']) {
    await runTool([join(repoRoot, '.ci', script)], { timeoutMs: 15 * 60_000, what: `.ci/${script}` });
  }
  await ensureCodeServer();
  await runTool([process.execPath, join(repoRoot, 'build.mjs')], {
    cwd: repoRoot,
    timeoutMs: 180_000,
    what: 'building the extension (npm run build)',
  });
  return packageExtension({ extensionFolder: repoRoot, outDir });
}
