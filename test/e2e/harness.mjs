// Process side of the E2E suite: paths, build + package, code-server lifecycle, results.
// Everything the suite starts lives in its own process group and is stopped by pid.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CACHE = path.resolve(process.env.E2E_CACHE_DIR ?? path.join(REPO, '.vscode-test'));
export const CODE_SERVER_BIN =
  process.env.CODE_SERVER_BIN ?? path.join(CACHE, 'code-server/node_modules/.bin/code-server');
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const OUT_DIR = path.resolve(process.env.E2E_OUT_DIR ?? path.join(REPO, 'test-results/e2e'));

const T0 = Date.now();
export const elapsed = () => `${((Date.now() - T0) / 1000).toFixed(1)}s`;

// ------------------------------------------------------------------ results
export class Results {
  constructor() {
    /** @type {{ name: string, status: 'pass' | 'fail', detail: string }[]} */
    this.rows = [];
  }
  add(name, status, detail = '') {
    this.rows.push({ name, status, detail });
    const label = { pass: 'PASS', fail: 'FAIL' }[status];
    console.log(`${label} ${name}${detail ? ` — ${detail}` : ''} [${elapsed()}]`);
  }
  get failed() {
    return this.rows.filter((r) => r.status === 'fail').length;
  }
  summary() {
    const count = (s) => this.rows.filter((r) => r.status === s).length;
    return `${count('pass')} passed, ${count('fail')} failed`;
  }
}

// ------------------------------------------------------------------ sandbox
export function makeSandbox() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kubepath-e2e-'));
  const dirs = {
    tmp,
    extensions: path.join(tmp, 'extensions'),
    userData: path.join(tmp, 'user-data'),
    workspace: path.join(tmp, 'workspace'),
    config: path.join(tmp, 'code-server.yaml'),
  };
  for (const d of [dirs.extensions, path.join(dirs.userData, 'User'), dirs.workspace]) {
    fs.mkdirSync(d, { recursive: true });
  }
  // An explicit --config (and XDG dirs) keep code-server from writing into ~/.config.
  fs.writeFileSync(dirs.config, 'auth: none\ncert: false\n');
  fs.writeFileSync(
    path.join(dirs.userData, 'User', 'settings.json'),
    JSON.stringify(
      {
        'workbench.startupEditor': 'none',
        'workbench.tips.enabled': false,
        'workbench.enableExperiments': false,
        'workbench.welcomePage.walkthroughs.openOnInstall': false,
        'security.workspace.trust.enabled': false,
        'telemetry.telemetryLevel': 'off',
        'update.mode': 'none',
        'extensions.autoCheckUpdates': false,
        'extensions.autoUpdate': false,
        'extensions.ignoreRecommendations': true,
        'editor.hover.delay': 200,
        'editor.minimap.enabled': false,
        'window.restoreWindows': 'none',
        'files.autoSave': 'off',
        'problems.autoReveal': true,
        // E2E_THEME="Default Dark Modern" runs the suite (and its screenshots) in another theme.
        ...(process.env.E2E_THEME ? { 'workbench.colorTheme': process.env.E2E_THEME } : {}),
      },
      null,
      2,
    ),
  );
  dirs.env = {
    ...process.env,
    XDG_CONFIG_HOME: path.join(tmp, 'xdg-config'),
    XDG_DATA_HOME: path.join(tmp, 'xdg-data'),
    XDG_CACHE_HOME: path.join(tmp, 'xdg-cache'),
  };
  return dirs;
}

/** The workspace is a copy of examples/ plus the harness's own smoke fixture. */
export function populateWorkspace(dirs) {
  const examples = path.join(REPO, 'examples');
  if (fs.existsSync(examples)) fs.cpSync(examples, dirs.workspace, { recursive: true });
  fs.cpSync(path.join(REPO, 'test/e2e/fixtures/smoke'), path.join(dirs.workspace, 'e2e-smoke'), {
    recursive: true,
  });
  // What a hostile repository can hold: a committed symlink to a device, and a FIFO. VS Code's
  // file search (ripgrep) lists neither, so every later step runs with them present; the
  // extension's own stat check guards the watcher path (unit tests cover the CLI's).
  const hostile = path.join(dirs.workspace, 'e2e-smoke', 'hostile');
  fs.mkdirSync(hostile, { recursive: true });
  fs.symlinkSync('/dev/zero', path.join(hostile, 'zero.yaml'));
  const fifo = spawnSync('mkfifo', [path.join(hostile, 'pipe.yaml')], { encoding: 'utf8' });
  if (fifo.status !== 0) throw new Error(`mkfifo failed: ${fifo.stderr}`);
}

// ------------------------------------------------------------------ build, package, install
function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', cwd: REPO, ...options });
  if (r.status !== 0) {
    throw new Error(
      `${cmd} ${args.join(' ')} exited ${r.status}: ${(r.stderr || '') + (r.stdout || '')}`.slice(0, 4000),
    );
  }
  return r.stdout;
}

/**
 * Bundles only what the .vsix ships (the CLI is not in it), with esbuild.js's own options
 * (minified), so a half-written CLI elsewhere in the checkout cannot break the E2E run.
 */
async function buildExtensionBundles() {
  const esbuild = await import('esbuild');
  const { extensionBundles } = createRequire(import.meta.url)(path.join(REPO, 'esbuild.js'));
  for (const options of extensionBundles) {
    if (!fs.existsSync(path.join(REPO, options.entryPoints[0]))) continue;
    await esbuild.build({
      bundle: true,
      minify: true,
      sourcemap: false,
      logLevel: 'error',
      absWorkingDir: REPO,
      ...options,
    });
  }
}

/**
 * Bytes of the images README shows inline (media/screenshots/…): the .vsix ships them
 * (.vscodeignore; test/unit/onboarding.test.ts keeps the two in step). PNG and GIF do not
 * deflate, so they weigh in the .vsix what they weigh on disk.
 */
export function readmeMediaBytes() {
  const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
  const images = new Set(
    [...readme.matchAll(/!\[[^\]]*\]\(\s*<?(media\/screenshots\/[^)\s>]+)/g)].map((m) => m[1]),
  );
  let bytes = 0;
  for (const image of images) {
    const file = path.join(REPO, image);
    if (fs.existsSync(file)) bytes += fs.statSync(file).size;
  }
  return bytes;
}

export async function buildAndPackage(dirs) {
  await buildExtensionBundles();
  const vsix = path.join(dirs.tmp, 'kubepath.vsix');
  const vsce = path.join(REPO, 'node_modules/.bin/vsce');
  run(vsce, ['package', '--no-dependencies', '--allow-missing-repository', '-o', vsix]);
  const size = fs.statSync(vsix).size;
  // 1.5 MB for the code: the render stage (Go templates, Sprig with RE2 semantics, Helm, chart
  // archives) ships in both the desktop engine and the web bundle. README's images have their
  // own budget (each under 150 KB, see capture.mjs; all together under 512 KB).
  const media = readmeMediaBytes();
  if (size - media > 1.5 * 1024 * 1024)
    throw new Error(`the .vsix without README's images is ${size - media} bytes (limit 1.5 MB)`);
  if (media > 512 * 1024) throw new Error(`README's images weigh ${media} bytes (limit 512 KB)`);
  return { vsix, size, media };
}

/**
 * `kubepath analyze <dir> --json` from the CLI built from the same sources, so the UI is
 * checked against the CLI's numbers. Throws when the CLI does not build or run: the E2E run fails.
 */
export async function cliAnalyzeJson(dirs, relativeDir) {
  try {
    const esbuild = await import('esbuild');
    const cli = path.join(dirs.tmp, 'cli.js');
    await esbuild.build({
      entryPoints: [path.join(REPO, 'src/cli/main.ts')],
      outfile: cli,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      logLevel: 'silent',
    });
    const r = spawnSync(
      process.execPath,
      [cli, 'analyze', path.join(dirs.workspace, relativeDir), '--json'],
      {
        encoding: 'utf8',
      },
    );
    if (r.status !== 0 && r.status !== 1) throw new Error(`kubepath analyze exited ${r.status}: ${r.stderr}`);
    return JSON.parse(r.stdout);
  } catch (error) {
    throw new Error(`no CLI cross-check: ${String(error?.message ?? error).split('\n')[0]}`);
  }
}

export function installVsix(dirs, vsix) {
  const common = [
    '--extensions-dir',
    dirs.extensions,
    '--user-data-dir',
    dirs.userData,
    '--config',
    dirs.config,
  ];
  run(CODE_SERVER_BIN, [...common, '--install-extension', vsix, '--force'], { env: dirs.env });
  const listed = run(CODE_SERVER_BIN, [...common, '--list-extensions', '--show-versions'], { env: dirs.env });
  const line = listed.split('\n').find((l) => l.toLowerCase().startsWith('kubepath.kubepath@'));
  if (!line) throw new Error(`--list-extensions lacks kubepath.kubepath: ${listed}`);
  return line.trim();
}

// ------------------------------------------------------------------ code-server
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export async function startCodeServer(dirs, logFile) {
  const port = await freePort();
  const fd = fs.openSync(logFile, 'w');
  const child = spawn(
    CODE_SERVER_BIN,
    [
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--auth',
      'none',
      '--config',
      dirs.config,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      '--ignore-last-opened',
      '--extensions-dir',
      dirs.extensions,
      '--user-data-dir',
      dirs.userData,
      dirs.workspace,
    ],
    // detached: its own process group, so teardown can stop exactly what it started.
    { env: dirs.env, stdio: ['ignore', fd, fd], detached: true },
  );
  fs.closeSync(fd);
  const base = `http://127.0.0.1:${port}`;
  const end = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`code-server exited early (code ${child.exitCode}); see ${logFile}`);
    try {
      const r = await fetch(`${base}/healthz`);
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > end) throw new Error(`code-server did not answer ${base}/healthz in 90 s`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return { child, base };
}

export async function stopCodeServer(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    // already gone
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }, 10_000);
  await exited;
  clearTimeout(timer);
}

// ------------------------------------------------------------------ logs
/** Every file under the user-data logs folder whose path matches `re`. */
export function findLogs(dirs, re) {
  const root = path.join(dirs.userData, 'logs');
  const out = [];
  const walk = (dir) => {
    if (!fs.existsSync(dir)) return;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (re.test(p)) out.push(p);
    }
  };
  walk(root);
  return out;
}

export function readLogs(dirs, re) {
  return findLogs(dirs, re)
    .map((f) => fs.readFileSync(f, 'utf8'))
    .join('\n');
}

/** Copies code-server's logs (extension host, kubepath channel) next to the screenshots. */
export function keepLogs(dirs) {
  const dest = path.join(OUT_DIR, 'logs');
  fs.rmSync(dest, { recursive: true, force: true });
  const root = path.join(dirs.userData, 'logs');
  if (fs.existsSync(root)) fs.cpSync(root, dest, { recursive: true });
  return dest;
}
