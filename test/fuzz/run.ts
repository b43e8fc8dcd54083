// The long fuzz run (`npm run fuzz`): 100,000 generated workspaces through the whole
// engine (see pipeline.ts for the properties). Runs in batches with their own seeds so a
// failure is shrunk, logged and the run goes on; prints progress, the slowest calls and
// a summary. Options: --runs N (default 100000), --seed S (default 20261125), --batch N,
// --findings DIR (default test-results/fuzz: one JSON file per finding, replayable).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { fuzzCaseArb } from './arbitraries';
import type { FuzzCase } from './arbitraries';
import { checkCase } from './pipeline';
import type { CaseTimings } from './pipeline';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? (process.argv[i + 1] as string) : fallback;
}

const totalRuns = Number(option('runs', '100000'));
const baseSeed = Number(option('seed', '20261125'));
const batch = Number(option('batch', '500'));
const findingsDir = option('findings', join('test-results', 'fuzz'));

interface Slow {
  ms: number;
  call: string;
  seed: number;
  c: FuzzCase;
}

let completed = 0;
let failures = 0;
const signatures = new Map<string, number>();
const slow: Slow[] = [];
const histogram = { under10: 0, under100: 0, under1000: 0, over1000: 0 };
let maxMs = 0;
const started = Date.now();
mkdirSync(findingsDir, { recursive: true });
const currentFile = join(findingsDir, 'current-case.json');

for (let b = 0; completed < totalRuns; b++) {
  const seed = baseSeed + b;
  const numRuns = Math.min(batch, totalRuns - completed);
  const property = fc.property(fuzzCaseArb, (c) => {
    // A hang leaves the case that caused it behind.
    writeFileSync(currentFile, JSON.stringify({ seed, c }));
    const t: CaseTimings = checkCase(c);
    const ms = t.maxCallMs;
    if (ms < 10) histogram.under10++;
    else if (ms < 100) histogram.under100++;
    else if (ms < 1000) histogram.under1000++;
    else histogram.over1000++;
    if (ms > maxMs) maxMs = ms;
    if (ms > 1000) {
      slow.push({ ms, call: t.slowestCall, seed, c });
      const file = join(findingsDir, `slow-seed${seed}-${Math.round(ms)}ms.json`);
      writeFileSync(file, JSON.stringify({ ms, call: t.slowestCall, seed, c }, null, 2));
      console.log(`[fuzz] slow: ${ms.toFixed(0)} ms in ${t.slowestCall} (seed ${seed}) → ${file}`);
    }
  });
  // Find failures without shrinking (a shrink re-runs the whole pipeline many times)…
  const details = fc.check(property, { seed, numRuns, endOnFailure: true });
  completed += details.failed ? details.numRuns : numRuns;
  if (details.failed) {
    failures++;
    const error =
      details.errorInstance instanceof Error
        ? details.errorInstance
        : new Error(String(details.errorInstance));
    const signature = `${error.constructor.name}: ${(error.message.split('\n')[0] ?? '').replace(/\d+/g, 'N').slice(0, 160)}`;
    signatures.set(signature, (signatures.get(signature) ?? 0) + 1);
    // …then shrink the failing case for at most a minute.
    const shrunk = fc.check(property, {
      seed,
      path: details.counterexamplePath ?? undefined,
      numRuns: 1,
      interruptAfterTimeLimit: 60_000,
      markInterruptAsFailure: false,
    });
    const file = join(findingsDir, `finding-seed${seed}.json`);
    writeFileSync(
      file,
      JSON.stringify(
        {
          seed,
          path: details.counterexamplePath,
          error: error.message,
          stack: error.stack,
          counterexample: details.counterexample?.[0],
          shrunk: shrunk.failed ? shrunk.counterexample?.[0] : null,
        },
        null,
        2,
      ),
    );
    console.log(`[fuzz] seed ${seed}: FAILED after ${details.numRuns} runs: ${signature} → ${file}`);
  }
  const elapsed = (Date.now() - started) / 1000;
  console.log(
    `[fuzz] ${completed}/${totalRuns} cases, ${failures} failing batches, slowest call ${maxMs.toFixed(0)} ms, ${elapsed.toFixed(0)} s`,
  );
}

console.log('\n== fuzz summary ==');
console.log(`cases completed: ${completed}`);
console.log(`failing batches: ${failures}`);
for (const [sig, n] of signatures) console.log(`  ${n}× ${sig}`);
console.log(
  `slowest engine call per case: <10 ms ${histogram.under10}, 10-100 ms ${histogram.under100}, 100-1000 ms ${histogram.under1000}, >1 s ${histogram.over1000}; max ${maxMs.toFixed(0)} ms`,
);
for (const s of slow.slice(0, 10)) console.log(`  slow: ${s.ms.toFixed(0)} ms in ${s.call} (seed ${s.seed})`);
console.log(`elapsed: ${((Date.now() - started) / 1000).toFixed(0)} s`);
process.exitCode = failures > 0 || histogram.over1000 > 0 ? 1 : 0;
