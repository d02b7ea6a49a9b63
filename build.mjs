// Bundles the extension host code, the CLI and the review panel's webview with esbuild.
// Type checking is separate (`npm run typecheck`), as esbuild only strips types.
import * as esbuild from 'esbuild';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

/** @type {esbuild.BuildOptions} */
const common = {
  bundle: true,
  sourcemap: !production,
  minify: production,
  logLevel: 'info',
  legalComments: 'none',
};

/** @type {esbuild.BuildOptions[]} */
const contexts = [
  {
    ...common,
    entryPoints: { extension: 'src/extension/main.ts' },
    outdir: 'dist',
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    // vscode is provided by the host. ssh2 (which docker-modem requires when it loads) is bundled,
    // because a .vsix has no node_modules; its native crypto binding and cpu-features are
    // optional (required inside try blocks) and stay out.
    external: ['vscode', 'cpu-features', '*.node'],
  },
  {
    ...common,
    entryPoints: { cli: 'src/cli/main.ts' },
    outdir: 'dist',
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    banner: { js: '#!/usr/bin/env node' },
    external: ['cpu-features', '*.node'],
  },
  {
    ...common,
    entryPoints: { review: 'webview/src/main.ts' },
    outdir: 'dist/webview',
    platform: 'browser',
    target: 'es2022',
    format: 'iife',
  },
];

if (watch) {
  for (const options of contexts) {
    const ctx = await esbuild.context(options);
    await ctx.watch();
  }
} else {
  await Promise.all(contexts.map((options) => esbuild.build(options)));
}
