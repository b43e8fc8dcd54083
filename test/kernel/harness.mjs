// What every kernel check shares: the preflight (Linux, root, tools, a built CLI) that
// prints `SKIP …` and exits 0 when the machine cannot run it, the CLI run in-process, a
// check reporter, and the namespace lifecycle — a Topology (netns.mjs) whose namespaces
// are deleted on exit, on a signal and on a crash, after sweeping those of dead runs.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sweepStale, Topology } from './netns.mjs';

export const here = dirname(fileURLToPath(import.meta.url));
export const root = resolve(here, '../..');
export const cli = join(root, 'dist/cli.js');
export const required = process.env.KUBEPATH_KERNEL_REQUIRED === '1';

export const secs = (t0) => ((Date.now() - t0) / 1000).toFixed(2) + 's';

export const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).status === 0;

/** `skip(reason)` for a check named `label`: prints SKIP and exits 0 (1 when required). */
export function skipper(label) {
  return (reason) => {
    console.log(`SKIP ${label}: ${reason}`);
    process.exit(required ? 1 : 0);
  };
}

/** Linux, root, the tools, a built dist/cli.js; otherwise SKIP. Returns the skip function. */
export function preflight(label, tools, install) {
  const skip = skipper(label);
  if (process.platform !== 'linux') skip('not Linux');
  if (typeof process.getuid === 'function' && process.getuid() !== 0)
    skip('not root (network namespaces and netfilter need CAP_SYS_ADMIN and CAP_NET_ADMIN)');
  const missing = tools.filter((t) => !has(t));
  if (missing.length) skip(`missing ${missing.join(', ')} (apt-get install ${install})`);
  if (!existsSync(cli)) skip(`${cli} is missing: run npm run build first`);
  return skip;
}

/** The CLI itself (dist/cli.js's exported `run`, what the `kubepath` binary calls),
 * in-process with captured output: one process start instead of one per command. */
export function kubepathCli() {
  let cliRun;
  const raw = async (args) => {
    cliRun ??= createRequire(import.meta.url)(cli).run;
    let out = '';
    let err = '';
    const code = await cliRun(args, { stdout: (t) => (out += t), stderr: (t) => (err += t), cwd: root });
    return { code, out, err };
  };
  return {
    raw,
    async text(args) {
      const { code, out, err } = await raw(args);
      if (code !== 0) throw new Error(`kubepath ${args.join(' ')} exited ${code}: ${err}`);
      return out;
    },
    async json(args) {
      const { code, out, err } = await raw(args);
      try {
        return JSON.parse(out);
      } catch {
        throw new Error(`kubepath ${args.join(' ')} exited ${code}: ${err || out}`);
      }
    },
  };
}

/** Counts checks; `entry` names what the failures belong to. */
export class Checks {
  constructor() {
    this.count = 0;
    this.failures = [];
    this.notes = [];
    this.entry = '(setup)';
  }

  check(ok, what, detail = '') {
    this.count++;
    if (ok) {
      console.log(`      ok    ${what}`);
    } else {
      const indented = detail ? `\n            ${detail.split('\n').join('\n            ')}` : '';
      console.log(`      FAIL  ${what}${indented}`);
      this.failures.push(`${this.entry}: ${what}${detail ? ` — ${detail.split('\n')[0]}` : ''}`);
    }
    return ok;
  }

  /** Prints the summary line (with `extra`) and the failures; exits 1 if any. */
  finish(label, extra = '') {
    console.log(
      `\n${label}: ${this.count - this.failures.length}/${this.count} checks passed, ${this.failures.length} failed${extra}`,
    );
    if (this.notes.length) console.log(`notes:\n  - ${this.notes.join('\n  - ')}`);
    if (this.failures.length) {
      console.log(`FAILED:\n  - ${this.failures.join('\n  - ')}`);
      process.exit(1);
    }
  }
}

/**
 * A Topology whose namespaces go away however the process ends (exit, SIGINT, SIGTERM,
 * SIGHUP), after namespaces of crashed earlier runs were swept. `cleanup()` is idempotent.
 */
export function guardedTopology(skip) {
  const stale = sweepStale();
  if (stale.length) console.log(`removed stale namespaces of earlier runs: ${stale.join(', ')}`);
  const topo = new Topology();
  let cleaned = false;
  const cleanup = () => {
    if (cleaned) return;
    cleaned = true;
    const t0 = Date.now();
    const failed = topo.cleanup();
    if (failed.length) console.log(`cleanup: could not delete ${failed.join('; ')}`);
    else console.log(`cleanup: ${secs(t0)}, no ${topo.prefix}-* namespace left`);
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => {
      cleanup();
      process.exit(130);
    });
  }
  process.on('exit', cleanup);
  /** Adds a namespace; when the first one cannot be made, the machine cannot run the check. */
  const addOrSkip = (ns) => {
    try {
      topo.addNamespace(ns);
    } catch (e) {
      cleanup();
      skip(`cannot create a network namespace: ${String(e.message).split('\n')[0]}`);
    }
  };
  return { topo, cleanup, addOrSkip };
}

export function firstDiff(a, b) {
  const x = a.split('\n');
  const y = b.split('\n');
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if (x[i] !== y[i])
      return `line ${i + 1}:\n  predicted: ${x[i] ?? '(end)'}\n  kernel:    ${y[i] ?? '(end)'}`;
  }
  return '';
}

/**
 * A suite's run: `main()`, an exception recorded as an abort (never a silent pass), the
 * namespaces cleaned up, then the totals with the suite's timings.
 */
export async function runSuite(title, { checks, cleanup, timings, started }, main) {
  try {
    await main();
  } catch (e) {
    checks.failures.push(`aborted: ${e.stack || e}`);
    console.log(`\nABORTED: ${e.stack || e}`);
  }
  cleanup();
  checks.finish(
    title,
    '; ' +
      Object.entries(timings)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ') +
      `, total ${secs(started)}`,
  );
}
