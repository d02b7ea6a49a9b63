// Builds the smoke fixture extension into a temporary folder and packages it as a .vsix.
// Nothing is written into the repository.
import { build } from 'esbuild';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageExtension } from '../harness';

const fixtureFolder = join(__dirname, 'fixture-extension');

/** Bundles the fixture with esbuild, packages it with vsce, and returns the .vsix path. */
export async function buildSmokeExtensionVsix(): Promise<{ vsixPath: string; buildFolder: string }> {
  const buildFolder = mkdtempSync(join(tmpdir(), 'agent-sandbox-e2e-fixture-'));
  copyFileSync(join(fixtureFolder, 'package.json'), join(buildFolder, 'package.json'));
  await build({
    entryPoints: [join(fixtureFolder, 'src', 'extension.ts')],
    outfile: join(buildFolder, 'dist', 'extension.js'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
    logLevel: 'warning',
  });
  const vsixPath = await packageExtension({ extensionFolder: buildFolder, outDir: join(buildFolder, 'out') });
  return { vsixPath, buildFolder };
}
