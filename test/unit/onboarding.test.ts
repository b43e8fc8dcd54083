// What a new user sees first (issue 21 item 1): the README names every command and setting
// the extension contributes, every image the README and the walkthrough show exists, and the
// .vsix holds the bundles, README, CHANGELOG, LICENSE and those images, but no sources,
// tests or dependencies. The packaged list comes from vsce itself (its listFiles API, the
// rules `vsce ls` and `vsce package` apply) run over a tree of empty files named like the
// repository's, so the answer does not depend on whether dist/ was built.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { after, test } from 'node:test';

const ROOT = join(__dirname, '..', '..', '..');

interface WalkthroughMedia {
  markdown?: string;
  svg?: string;
  image?: string | { light?: string; dark?: string; hc?: string; hcLight?: string };
}
interface Manifest {
  main: string;
  browser: string;
  contributes: {
    commands: { command: string; title: string }[];
    configuration: { properties: Record<string, unknown> } | { properties: Record<string, unknown> }[];
    walkthroughs?: { id: string; steps: { id: string; media: WalkthroughMedia }[] }[];
  };
}

const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Manifest;
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** Image paths a Markdown text shows: `![alt](path "title")` and `<img src="path">`, external links left out. */
function imagesOf(markdown: string): string[] {
  const out: string[] = [];
  for (const m of markdown.matchAll(/!\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g))
    out.push(m[1] ?? '');
  for (const m of markdown.matchAll(/<img\b[^>]*\bsrc\s*=\s*["']([^"']+)["']/gi)) out.push(m[1] ?? '');
  return out.filter((p) => p !== '' && !/^[a-z]+:/i.test(p) && !p.startsWith('#'));
}

/** Repository-relative path of `target` as written in the file `from` (itself repository-relative). */
function resolveFrom(from: string, target: string): string {
  return posix.normalize(posix.join(posix.dirname(from), target.split(/[?#]/)[0] ?? ''));
}

const readmeImages = imagesOf(readme).map((p) => resolveFrom('README.md', p));

/** Local files a Markdown text links to (`[text](path)`, not images, not URLs or anchors). */
function linksOf(markdown: string): string[] {
  const out: string[] = [];
  for (const m of markdown.matchAll(/(?<!!)\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g))
    out.push(m[1] ?? '');
  return out.filter((p) => p !== '' && !/^[a-z]+:/i.test(p) && !p.startsWith('#'));
}

/** Files each walkthrough step names (its markdown, svg or images) and images its markdown shows. */
function walkthroughFiles(): string[] {
  const out: string[] = [];
  for (const walkthrough of manifest.contributes.walkthroughs ?? []) {
    for (const step of walkthrough.steps) {
      const { markdown, svg, image } = step.media;
      if (markdown) out.push(markdown);
      if (svg) out.push(svg);
      if (typeof image === 'string') out.push(image);
      else if (image) out.push(...Object.values(image).filter((v): v is string => typeof v === 'string'));
    }
  }
  const images = out
    .filter((f) => f.endsWith('.md') && existsSync(join(ROOT, f)))
    .flatMap((f) => imagesOf(readFileSync(join(ROOT, f), 'utf8')).map((p) => resolveFrom(f, p)));
  return [...new Set([...out, ...images])];
}

void test('README names every command package.json contributes (by id)', () => {
  const missing = manifest.contributes.commands
    .filter((c) => !readme.includes(`\`${c.command}\``))
    .map((c) => `${c.command} (${c.title})`);
  assert.deepEqual(missing, [], `README.md does not name: ${missing.join(', ')}`);
});

void test('README names every setting package.json contributes', () => {
  const sections = [manifest.contributes.configuration].flat();
  const settings = sections.flatMap((s) => Object.keys(s.properties));
  assert.ok(settings.length > 0, 'package.json contributes settings');
  const missing = settings.filter((key) => !readme.includes(`\`${key}\``));
  assert.deepEqual(missing, [], `README.md does not name: ${missing.join(', ')}`);
});

void test('README shows at least one screenshot, and every image it shows exists', () => {
  assert.ok(readmeImages.length > 0, 'README.md shows no image');
  const missing = readmeImages.filter((p) => !existsSync(join(ROOT, p)));
  assert.deepEqual(missing, [], `README.md shows images that do not exist: ${missing.join(', ')}`);
});

void test('README images are small PNGs (under 150 KB) or an animated GIF (under 1.5 MB)', () => {
  for (const image of readmeImages) {
    const bytes = readFileSync(join(ROOT, image));
    if (image.endsWith('.gif')) {
      assert.equal(bytes.subarray(0, 6).toString('latin1'), 'GIF89a', `${image} is a GIF89a`);
      // An animation that loops: the NETSCAPE2.0 application extension.
      assert.ok(bytes.includes(Buffer.from('NETSCAPE2.0', 'latin1')), `${image} loops`);
      assert.ok(bytes.length < 1.5 * 1024 * 1024, `${image} is ${bytes.length} bytes`);
    } else {
      assert.ok(image.endsWith('.png'), `${image}: README shows PNG screenshots`);
      assert.deepEqual([...bytes.subarray(1, 4)], [0x50, 0x4e, 0x47], `${image} is a PNG`);
      assert.ok(bytes.length < 150 * 1024, `${image} is ${bytes.length} bytes`);
    }
  }
});

void test('every local file README links to exists', () => {
  const links = linksOf(readme).map((p) => resolveFrom('README.md', p));
  const missing = links.filter((p) => !existsSync(join(ROOT, p)));
  assert.deepEqual(missing, [], `README.md links to files that do not exist: ${missing.join(', ')}`);
});

void test('the walkthrough has steps, and every media file it names (and every image those show) exists', () => {
  const walkthroughs = manifest.contributes.walkthroughs ?? [];
  assert.ok(
    walkthroughs.length > 0 && walkthroughs.every((w) => w.steps.length > 0),
    'a walkthrough with steps',
  );
  const files = walkthroughFiles();
  assert.ok(files.length >= walkthroughs[0]!.steps.length, `media: ${files.join(', ')}`);
  const missing = files.filter((f) => !existsSync(join(ROOT, f)));
  assert.deepEqual(missing, [], `walkthrough media missing: ${missing.join(', ')}`);
});

// ------------------------------------------------------------------ the packaged file list

/** Directories never walked: build output, dependencies, test results (all git-ignored). */
const SKIPPED = new Set(['.git', 'node_modules', 'dist', 'out', '.vscode-test', 'test-results']);

function repositoryFiles(dir = '', out: string[] = []): string[] {
  for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const rel = dir ? `${dir}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (!SKIPPED.has(entry.name) && rel !== 'bench/workspaces') repositoryFiles(rel, out);
    } else if (entry.isFile() && !entry.name.endsWith('.vsix')) out.push(rel);
  }
  return out;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports -- esbuild.js is CommonJS
const shippedBundles = (require(join(ROOT, 'esbuild.js')) as { extensionBundles: { outfile: string }[] })
  .extensionBundles;

let scratch: string | undefined;
after(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** What `vsce package` would put in the .vsix for this repository with its bundles built. */
async function packagedFiles(): Promise<string[]> {
  scratch = mkdtempSync(join(tmpdir(), 'kubepath-vsix-list-'));
  const names = [
    ...repositoryFiles(),
    ...shippedBundles.map((b) => b.outfile),
    'dist/cli.js',
    'dist/extension.js.map',
    'out/test/unit/onboarding.test.js',
    'test-results/e2e/a-hover-nginx-service.png',
    'node_modules/left-pad/index.js',
    'kubepath-0.1.0.vsix',
  ];
  for (const name of names) {
    const file = join(scratch, name);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, '');
  }
  copyFileSync(join(ROOT, 'package.json'), join(scratch, 'package.json'));
  copyFileSync(join(ROOT, '.vscodeignore'), join(scratch, '.vscodeignore'));
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- vsce has no type declarations
  const vsce = require('@vscode/vsce') as {
    PackageManager: { None: number };
    listFiles(options: { cwd: string; packageManager: number }): Promise<string[]>;
  };
  // PackageManager.None: what `vsce package --no-dependencies` packs (the bundles hold the dependencies).
  return (await vsce.listFiles({ cwd: scratch, packageManager: vsce.PackageManager.None })).sort();
}

void test('the .vsix holds the bundles, README, CHANGELOG, LICENSE and the images README and walkthrough show; no sources, tests, dependencies', async () => {
  const files = await packagedFiles();
  const has = new Set(files);
  const wanted = [
    'package.json',
    'README.md',
    'CHANGELOG.md',
    'LICENSE',
    manifest.main.replace(/^\.\//, ''),
    manifest.browser.replace(/^\.\//, ''),
    ...shippedBundles.map((b) => b.outfile),
    ...readmeImages,
    ...walkthroughFiles(),
  ];
  const missing = [...new Set(wanted)].filter((f) => !has.has(f));
  assert.deepEqual(missing, [], `not packaged: ${missing.join(', ')}`);
  const unwanted = files.filter(
    (f) =>
      /^(src|test|webview|bench|scripts|node_modules|out|test-results)\//.test(f) ||
      /\.(ts|map|vsix)$/.test(f) ||
      f === 'dist/cli.js' ||
      f === 'CONTRIBUTING.md' ||
      f === 'ARCHITECTURE.md',
  );
  assert.deepEqual(unwanted, [], `packaged but not for users: ${unwanted.join(', ')}`);
  // Screenshots and captures are packaged only when README or the walkthrough shows them.
  const shown = new Set([...readmeImages, ...walkthroughFiles()]);
  const unshown = files.filter((f) => f.startsWith('media/screenshots/') && !shown.has(f));
  assert.deepEqual(unshown, [], `packaged images nothing shows: ${unshown.join(', ')}`);
});
