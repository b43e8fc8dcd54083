// No side effects: the shipped bundles never start a process or open a network
// connection. Each bundle is built in memory with the options esbuild.js uses and its
// imports are read from esbuild's metafile and from the output text. The engine
// sources import no Node built-in at all (ESLint enforces it; this makes it visible).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { Platform, Format } from 'esbuild';

const root = join(__dirname, '..', '..', '..');

/** Modules that run programs, open sockets or evaluate code. */
const FORBIDDEN = [
  'child_process',
  'cluster',
  'dgram',
  'dns',
  'http',
  'http2',
  'https',
  'inspector',
  'net',
  'repl',
  'tls',
  'vm',
  'worker_threads',
];
const isForbidden = (m: string): boolean => FORBIDDEN.includes(m.replace(/^node:/, '').split('/')[0] ?? '');
const isBuiltin = (m: string): boolean =>
  m.startsWith('node:') || builtinModules.includes(m.split('/')[0] ?? '');

interface Bundle {
  entry: string;
  outfile: string;
  platform: Platform;
  format: Format;
  external: string[];
  /** Built-ins the bundle may use (besides vscode, provided by the host). */
  allowedBuiltins: string[];
}

const BUNDLES: Bundle[] = [
  // yaml imports `process` (emitWarning, silenced) and `buffer` (!!binary).
  {
    entry: 'src/extension/main.ts',
    outfile: 'dist/extension.js',
    platform: 'node',
    format: 'cjs',
    external: ['vscode'],
    allowedBuiltins: ['process', 'buffer'],
  },
  {
    entry: 'src/extension/browserMain.ts',
    outfile: 'dist/web/extension.js',
    platform: 'browser',
    format: 'cjs',
    external: ['vscode'],
    allowedBuiltins: [],
  },
  {
    entry: 'webview/main.ts',
    outfile: 'dist/webview.js',
    platform: 'browser',
    format: 'iife',
    external: [],
    allowedBuiltins: [],
  },
  // The CLI reads the user's files: fs and path, nothing that runs or connects.
  {
    entry: 'src/cli/main.ts',
    outfile: 'dist/cli.js',
    platform: 'node',
    format: 'cjs',
    external: [],
    allowedBuiltins: ['process', 'buffer', 'node:fs', 'node:path', 'fs', 'path'],
  },
];

void test('bundles: the entries and options here are the ones esbuild.js and package.json ship', () => {
  const script = readFileSync(join(root, 'esbuild.js'), 'utf8');
  for (const b of BUNDLES) {
    const block = new RegExp(
      `entryPoints: \\['${b.entry.replace(/[./]/g, '\\$&')}'\\],\\s*outfile: '${b.outfile.replace(/[./]/g, '\\$&')}',\\s*platform: '${b.platform}',\\s*format: '${b.format}'`,
    );
    assert.match(script, block, b.entry);
  }
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    main: string;
    browser: string;
    bin: Record<string, string>;
  };
  assert.equal(pkg.main, './dist/extension.js');
  assert.equal(pkg.browser, './dist/web/extension.js');
  assert.equal(pkg.bin['kubepath'], './dist/cli.js');
});

for (const b of BUNDLES) {
  void test(`bundle ${b.outfile}: no child_process, net, http(s), dgram, tls, worker_threads, vm…`, async () => {
    const result = await build({
      absWorkingDir: root,
      entryPoints: [b.entry],
      outfile: b.outfile,
      bundle: true,
      write: false,
      metafile: true,
      platform: b.platform,
      format: b.format,
      external: b.external,
      target: b.platform === 'node' ? 'node20' : 'es2022',
      logLevel: 'silent',
    });
    const output = Object.values(result.metafile.outputs).find((o) => o.entryPoint === b.entry);
    assert.ok(output, 'bundle output');
    const imported = new Set(output.imports.map((i) => i.path));
    const text = result.outputFiles.find((f) => f.path.endsWith('.js'))?.text ?? '';
    // Also what the text asks for at run time, however it got there.
    for (const m of text.matchAll(
      /\brequire\(\s*["'`]([^"'`]+)["'`]\s*\)|\bimport\(\s*["'`]([^"'`]+)["'`]\s*\)/g,
    )) {
      imported.add(m[1] ?? m[2] ?? '');
    }
    const forbidden = [...imported].filter(isForbidden);
    assert.deepEqual(forbidden, [], `${b.outfile} imports ${forbidden.join(', ')}`);
    const builtins = [...imported].filter((m) => isBuiltin(m) && !b.allowedBuiltins.includes(m));
    assert.deepEqual(builtins, [], `${b.outfile}: unexpected Node built-ins`);
    assert.deepEqual(
      [...imported].filter((m) => !isBuiltin(m) && !b.external.includes(m)),
      [],
      'everything else is bundled',
    );
    if (b.platform === 'browser') {
      assert.doesNotMatch(
        text,
        /\bXMLHttpRequest\b|\bnew WebSocket\(|\bfetch\(/,
        'no network from the web bundles',
      );
    }
  });
}

function engineSources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? engineSources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

void test('src/engine imports neither Node built-ins nor vscode', () => {
  const offenders: string[] = [];
  for (const file of engineSources(join(root, 'src', 'engine'))) {
    // Comments may name what the code must not use.
    const text = readFileSync(file, 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
    for (const m of text.matchAll(
      /\bfrom\s+['"]([^'"]+)['"]|\brequire\(\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]/g,
    )) {
      const spec = m[1] ?? m[2] ?? m[3] ?? '';
      if (spec === 'vscode' || isBuiltin(spec)) offenders.push(`${file.slice(root.length + 1)}: ${spec}`);
    }
    if (/\bprocess\.|\bglobalThis\.process\b|\b__dirname\b/.test(text))
      offenders.push(`${file.slice(root.length + 1)}: process/__dirname`);
  }
  assert.deepEqual(offenders, []);
});
