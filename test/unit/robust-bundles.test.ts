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
import type { BuildOptions } from 'esbuild';

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
const isForbidden = (m: string, allowed: readonly string[] = []): boolean =>
  !allowed.includes(m) && FORBIDDEN.includes(m.replace(/^node:/, '').split('/')[0] ?? '');
const isBuiltin = (m: string): boolean =>
  m.startsWith('node:') || builtinModules.includes(m.split('/')[0] ?? '');

interface Bundle {
  outfile: string;
  /** What the bundle may leave to run time: vscode (the host) and its own sibling files. */
  external: string[];
  /** Built-ins the bundle may use (besides vscode, provided by the host). */
  allowedBuiltins: string[];
}

const BUNDLES: Bundle[] = [
  // The desktop extension starts the analysis worker, its own dist/worker.js (the one
  // worker_threads use: checked below), and nothing else.
  { outfile: 'dist/extension.js', external: ['vscode'], allowedBuiltins: ['node:worker_threads'] },
  // The analysis worker. yaml imports `process` (emitWarning, silenced) and `buffer` (!!binary).
  { outfile: 'dist/worker.js', external: [], allowedBuiltins: ['process', 'buffer', 'node:worker_threads'] },
  { outfile: 'dist/web/extension.js', external: ['vscode'], allowedBuiltins: [] },
  { outfile: 'dist/web/worker.js', external: [], allowedBuiltins: [] },
  { outfile: 'dist/webview.js', external: [], allowedBuiltins: [] },
  // The CLI reads the user's files: fs and path, nothing that runs or connects.
  {
    outfile: 'dist/cli.js',
    external: [],
    allowedBuiltins: ['process', 'buffer', 'node:fs', 'node:path', 'fs', 'path'],
  },
];

// eslint-disable-next-line @typescript-eslint/no-require-imports -- esbuild.js is CommonJS
const shipped = (require(join(root, 'esbuild.js')) as { bundles: BuildOptions[] }).bundles;
const optionsOf = (outfile: string): BuildOptions | undefined => shipped.find((o) => o.outfile === outfile);

void test('bundles: every bundle esbuild.js builds is checked here; package.json points at them', () => {
  assert.deepEqual(shipped.map((o) => o.outfile).sort(), BUNDLES.map((b) => b.outfile).sort());
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    main: string;
    browser: string;
    bin: Record<string, string>;
  };
  assert.equal(pkg.main, './dist/extension.js');
  assert.equal(pkg.browser, './dist/web/extension.js');
  assert.equal(pkg.bin['kubepath'], './dist/cli.js');
});

async function bundle(b: Bundle): Promise<{ inputs: string[]; imported: Set<string>; text: string }> {
  const options = optionsOf(b.outfile);
  assert.ok(options, `esbuild.js builds ${b.outfile}`);
  const result = await build({
    ...options,
    absWorkingDir: root,
    bundle: true,
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const output = Object.values(result.metafile.outputs).find((o) => o.entryPoint !== undefined);
  assert.ok(output, 'bundle output');
  const imported = new Set(output.imports.map((i) => i.path));
  const text = result.outputFiles.find((f) => f.path.endsWith('.js'))?.text ?? '';
  // Also what the text asks for at run time, however it got there.
  for (const m of text.matchAll(
    /\brequire\(\s*["'`]([^"'`]+)["'`]\s*\)|\bimport\(\s*["'`]([^"'`]+)["'`]\s*\)/g,
  )) {
    // A JSDoc type (` * @param {import('./index.js').RE2JS}`) is a comment, not a load.
    const lineStart = text.lastIndexOf('\n', m.index) + 1;
    if (/^\s*\*/.test(text.slice(lineStart, m.index))) continue;
    imported.add(m[1] ?? m[2] ?? '');
  }
  return { inputs: Object.keys(output.inputs), imported, text };
}

for (const b of BUNDLES) {
  void test(`bundle ${b.outfile}: no child_process, net, http(s), dgram, tls, worker_threads, vm…`, async () => {
    const { imported, text } = await bundle(b);
    const forbidden = [...imported].filter((m) => isForbidden(m, b.allowedBuiltins));
    assert.deepEqual(forbidden, [], `${b.outfile} imports ${forbidden.join(', ')}`);
    const builtins = [...imported].filter((m) => isBuiltin(m) && !b.allowedBuiltins.includes(m));
    assert.deepEqual(builtins, [], `${b.outfile}: unexpected Node built-ins`);
    assert.deepEqual(
      [...imported].filter((m) => !isBuiltin(m) && !b.external.includes(m)),
      [],
      'everything else is bundled',
    );
    if (optionsOf(b.outfile)?.platform === 'browser') {
      assert.doesNotMatch(
        text,
        /\bXMLHttpRequest\b|\bnew WebSocket\(|\bfetch\(/,
        'no network from the web bundles',
      );
    }
  });
}

for (const outfile of ['dist/extension.js', 'dist/web/extension.js']) {
  void test(`${outfile} holds neither the engine nor the YAML parser: the analysis is the worker's`, async () => {
    const extension = BUNDLES.find((b) => b.outfile === outfile);
    assert.ok(extension);
    const { inputs } = await bundle(extension);
    const heavy = inputs.filter(
      (i) =>
        i.includes('node_modules/yaml/') ||
        /^src\/engine\/(?!model\/)/.test(i) ||
        /^src\/extension\/(engineLoader|engineApi|service\/analysisService)\.ts$/.test(i),
    );
    assert.deepEqual(heavy, []);
  });
}

void test('dist/extension.js starts only its own dist/worker.js as a worker thread', async () => {
  const extension = BUNDLES.find((b) => b.outfile === 'dist/extension.js');
  assert.ok(extension);
  const { text } = await bundle(extension);
  const starts = [...text.matchAll(/new (?:import_node_worker_threads\.)?Worker\(([^)]*)\)/g)].map(
    (m) => m[1],
  );
  assert.deepEqual(starts, ['script'], 'one Worker, started from the path main.ts gives');
  assert.match(text, /joinPath\(context\.extensionUri, "dist", "worker\.js"\)/);
});

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
