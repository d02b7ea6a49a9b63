// Packages an extension folder into a .vsix with the repository's own @vscode/vsce, the
// same way a release would, so the e2e tests install what users would install.
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { repoRoot } from './paths';
import { runTool } from './runTool';

export interface PackageOptions {
  /** Folder with the extension's package.json (already built: vsce runs no bundler here). */
  extensionFolder: string;
  /** Folder to write the .vsix into. */
  outDir: string;
}

/**
 * Runs `vsce package --no-dependencies` on `extensionFolder` and returns the .vsix path.
 * Missing repository or LICENSE are allowed, since test extensions have neither.
 */
export async function packageExtension(options: PackageOptions): Promise<string> {
  const folder = resolve(options.extensionFolder);
  const manifestPath = join(folder, 'package.json');
  if (!existsSync(manifestPath)) {
    throw new Error(`packageExtension: ${manifestPath} does not exist; pass the folder that holds the extension's package.json`);
  }
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { name?: string; version?: string; main?: string };
  if (manifest.main && !existsSync(join(folder, manifest.main)) && !existsSync(join(folder, `${manifest.main}.js`))) {
    throw new Error(
      `packageExtension: the manifest's main ${manifest.main} is missing in ${folder}; build the extension first (npm run build)`,
    );
  }
  mkdirSync(options.outDir, { recursive: true });
  const vsixPath = join(resolve(options.outDir), `${manifest.name ?? 'extension'}-${manifest.version ?? '0.0.0'}.vsix`);
  const vsce = join(repoRoot, 'node_modules', '@vscode', 'vsce', 'vsce');
  if (!existsSync(vsce)) throw new Error(`packageExtension: ${vsce} is missing; run npm ci`);
  await runTool(
    [process.execPath, vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '--out', vsixPath],
    { cwd: folder, timeoutMs: 120_000, what: `packaging ${folder} into a .vsix` },
  );
  if (!existsSync(vsixPath)) throw new Error(`packageExtension: vsce reported success but ${vsixPath} is missing`);
  return vsixPath;
}

/**
 * Bundles a test extension (its `package.json` and `src/extension.ts`) with esbuild into a
 * temporary folder and packages it; nothing is written into the repository.
 */
export async function buildFixtureExtensionVsix(fixtureFolder: string): Promise<{ vsixPath: string; buildFolder: string }> {
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
