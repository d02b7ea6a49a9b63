// Builds the smoke fixture extension into a temporary folder and packages it as a .vsix.
// Nothing is written into the repository.
import { join } from 'node:path';
import { buildFixtureExtensionVsix } from '../harness';

/** Bundles the fixture with esbuild, packages it with vsce, and returns the .vsix path. */
export function buildSmokeExtensionVsix(): Promise<{ vsixPath: string; buildFolder: string }> {
  return buildFixtureExtensionVsix(join(__dirname, 'fixture-extension'));
}
