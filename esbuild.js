// Builds the shipped bundles (dist/) and, with --tests, a per-file CommonJS
// transpile of sources and tests (out/) for node's own test runner.
const esbuild = require('esbuild');
const fs = require('node:fs');
const path = require('node:path');

const production = process.argv.includes('--production');
const tests = process.argv.includes('--tests');

// The extension bundles note when their evaluation began, so activation can log the time
// from loading the bundle to the end of activate() (read by the E2E run and the bench).
const loadClock = 'var __kubepathLoadStart = performance.now();';
const loadEnd = 'var __kubepathLoadEnd = performance.now();';

// The extension bundles hold no engine: the analysis runs in a worker (dist/worker.js on the
// desktop, dist/web/worker.js on the web), so activation evaluates only the extension's own
// code and the host's thread never runs an analysis.

/** @type {import('esbuild').BuildOptions[]} */
const bundles = [
  {
    entryPoints: ['src/cli/main.ts'],
    outfile: 'dist/cli.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    banner: { js: '#!/usr/bin/env node' },
    define: { __KUBEPATH_VERSION__: JSON.stringify(require('./package.json').version) },
  },
  {
    entryPoints: ['src/extension/main.ts'],
    outfile: 'dist/extension.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
    banner: { js: loadClock },
    footer: { js: loadEnd },
  },
  {
    entryPoints: ['src/extension/service/worker.ts'],
    outfile: 'dist/worker.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
  },
  {
    entryPoints: ['src/extension/browserMain.ts'],
    outfile: 'dist/web/extension.js',
    platform: 'browser',
    format: 'cjs',
    target: 'es2022',
    external: ['vscode'],
    banner: { js: loadClock },
    footer: { js: loadEnd },
  },
  {
    entryPoints: ['src/extension/service/webWorker.ts'],
    outfile: 'dist/web/worker.js',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
  },
  {
    entryPoints: ['webview/main.ts'],
    outfile: 'dist/webview.js',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
  },
];

function listTs(dir) {
  if (!fs.existsSync(dir)) return [];
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listTs(p));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** All bundles (for the bundle tests) and those the .vsix ships (for the E2E harness). */
module.exports = { bundles, extensionBundles: bundles.filter((b) => b.outfile !== 'dist/cli.js') };

async function main() {
  if (tests) {
    fs.rmSync('out', { recursive: true, force: true });
    const entryPoints = ['src', 'test', 'bench', 'webview', 'scripts'].flatMap(listTs);
    await esbuild.build({
      entryPoints,
      outdir: 'out',
      outbase: '.',
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      sourcemap: 'inline',
      logLevel: 'warning',
      define: { __KUBEPATH_VERSION__: JSON.stringify(require('./package.json').version) },
    });
    return;
  }
  for (const options of bundles) {
    const entry = /** @type {string[]} */ (options.entryPoints)[0];
    if (!fs.existsSync(entry)) continue;
    await esbuild.build({
      bundle: true,
      minify: production,
      sourcemap: !production,
      logLevel: 'warning',
      ...options,
    });
  }
  if (fs.existsSync('dist/cli.js')) fs.chmodSync('dist/cli.js', 0o755);
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
