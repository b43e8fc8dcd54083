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

// The desktop extension loads the engine on first use (src/extension/engine.ts): its
// `require('./engineApi')` stays a require of the sibling file dist/engine.js, built below,
// so activation evaluates only the extension's own code. The web bundle inlines the engine.
/** @type {import('esbuild').Plugin} */
const lazyEngine = {
  name: 'lazy-engine',
  setup(build) {
    build.onResolve({ filter: /^\.\/engineApi$/ }, (args) =>
      args.kind === 'require-call' ? { path: './engine.js', external: true } : undefined,
    );
  },
};

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
    plugins: [lazyEngine],
  },
  {
    entryPoints: ['src/extension/engineApi.ts'],
    outfile: 'dist/engine.js',
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
