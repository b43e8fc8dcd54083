// `npm run bench`: the speed and memory figures of issue 9, measured in one process,
// printed as a table with each figure against its target, and written to
// bench/results.json. Run with --expose-gc for clean heap figures (npm run bench does).
// Options: --quick (fewer runs, no 10k analysis), --only=a,b,… (sections).
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { analyzeWorkspace, createWorkspaceAnalyzer, toAnalyzeJson } from '../src/engine';
import type { Analysis, WorkspaceFile } from '../src/engine';
import { traceRequest } from '../src/engine/trace/request';
import { editOneLine, generateLargeFile, generateWorkspace, prng } from './generate';
import type { GeneratedWorkspace } from './generate';
import { editBaseLine, isBaseResourceFile, kustomizeTree } from './kustomize';
import { helmChart } from './helm';
import { formatHelmTemplate, renderChart } from '../src/engine/render/helm';
import { memoryFs } from '../src/engine/render/kustomize';
import { WorkerClient } from '../src/extension/analysisClient';
import { SlicedQueue, applyDiagnostics, sendFiles } from '../src/extension/hostSync';
import type { HeldDiagnostics, SentFiles } from '../src/extension/hostSync';
import { nodeWorkerPort } from '../src/extension/nodeWorkerPort';
import type { AnalyzeRequest } from '../src/extension/service/protocol';
import { measureIptables } from './iptables';
import { measureNftables } from './nftables';
import type { NftablesBenchForm } from './nftables';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args
  .find((a) => a.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',');
const wanted = (section: string): boolean => !only || only.includes(section);
const root = path.resolve(__dirname, '..', '..');

if (typeof (globalThis as { gc?: unknown }).gc !== 'function' && !process.execArgv.includes('--expose-gc')) {
  // Heap figures need a collection between runs: run again with the collector exposed.
  const child = spawnSync(process.execPath, ['--expose-gc', __filename, ...args], { stdio: 'inherit' });
  process.exit(child.status ?? 1);
}

const gc: () => void = (globalThis as { gc?: () => void }).gc ?? ((): void => undefined);
const MB = 2 ** 20;

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

function percentile(values: readonly number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? 0;
}

interface Timing {
  medianMs: number;
  /** CPU time (user + system) of the runs, median: steadier than wall time on a shared machine. */
  cpuMs: number;
  runsMs: number[];
  /** heapUsed right after a run, before any collection (a lower bound of the peak), max over runs. */
  peakHeapMB: number;
  /** heapUsed after a full collection with the last result still alive. */
  retainedHeapMB: number;
}

interface Sample {
  ms: number;
  cpuMs: number;
  peak: number;
  retained: number;
}

/** One run of `fn` after a full collection, with only its own result alive. */
function sample<T>(fn: () => T): Sample {
  sink = null; // only one result alive at a time
  gc();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const result = fn();
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  const peak = process.memoryUsage().heapUsed;
  gc();
  const retained = process.memoryUsage().heapUsed;
  keep(result);
  return { ms, cpuMs: (c.user + c.system) / 1000, peak, retained };
}

function timing(samples: readonly Sample[]): Timing {
  return {
    medianMs: median(samples.map((x) => x.ms)),
    cpuMs: median(samples.map((x) => x.cpuMs)),
    runsMs: samples.map((x) => x.ms),
    peakHeapMB: Math.max(0, ...samples.map((x) => x.peak)) / MB,
    retainedHeapMB: Math.max(0, ...samples.map((x) => x.retained)) / MB,
  };
}

/** Runs `fn` `runs` times after a warm-up, with a collection before each run. */
function time<T>(runs: number, fn: () => T, warmup = 1): Timing {
  for (let i = 0; i < warmup; i++) fn();
  const samples: Sample[] = [];
  for (let i = 0; i < runs; i++) samples.push(sample(fn));
  return timing(samples);
}

/**
 * Times `base` and `fn` in alternation (base, fn, base, fn, …) so drift in the machine's
 * load hits both alike; the ratio is the median of the per-round ratios fn / base.
 */
function timeAgainst(
  runs: number,
  base: () => unknown,
  fn: () => unknown,
  warmup = 1,
): { base: Timing; fn: Timing; ratio: number; cpuRatio: number } {
  for (let i = 0; i < warmup; i++) {
    base();
    fn();
  }
  const b: Sample[] = [];
  const f: Sample[] = [];
  for (let i = 0; i < runs; i++) {
    b.push(sample(base));
    f.push(sample(fn));
  }
  return {
    base: timing(b),
    fn: timing(f),
    ratio: median(f.map((x, i) => x.ms / (b[i] as Sample).ms)),
    cpuRatio: median(f.map((x, i) => x.cpuMs / (b[i] as Sample).cpuMs)),
  };
}

/** Keeps a result reachable until the retained heap was measured. */
let sink: unknown = null;
function keep(value: unknown): void {
  sink = value;
}

function parseFloor(files: readonly WorkspaceFile[]): number {
  let documents = 0;
  for (const f of files) documents += parseAllDocuments(f.text).length;
  return documents;
}

function analyze(ws: GeneratedWorkspace): Analysis {
  return analyzeWorkspace({ files: ws.files, profile: ws.profile });
}

interface Row {
  figure: string;
  value: string;
  target: string;
  ok: boolean | null;
}

const rows: Row[] = [];
const results: Record<string, unknown> = {
  date: new Date().toISOString(),
  node: process.version,
  exposeGc: typeof (globalThis as { gc?: unknown }).gc === 'function',
  quick,
};

function row(figure: string, value: string, target = '', ok: boolean | null = null): void {
  rows.push({ figure, value, target, ok });
  console.error(
    `  ${figure}: ${value}${target ? `  (target ${target}${ok === false ? ', MISSED' : ''})` : ''}`,
  );
}

const ms = (n: number): string => (n >= 100 ? n.toFixed(0) : n.toFixed(1)) + ' ms';
const mb = (n: number): string => n.toFixed(0) + ' MB';

/** The 10,000-pair analysis of section (b), traced in section (e). */
let largeAnalysis: Analysis | null = null;

// (a) + (b) + (f): parse floor vs full analysis.
function sectionAnalysis(): void {
  const sizes = quick ? [100, 1000] : [100, 1000, 10000];
  const cases: GeneratedWorkspace[] = sizes.map((n) => generateWorkspace(n));
  cases.push(generateLargeFile(5 * MB));
  const out: Record<string, unknown> = {};
  for (const ws of cases) {
    const big = ws.pairs >= 5000;
    const runs = quick ? 5 : big ? 3 : ws.pairs >= 1000 ? 9 : 15;
    console.error(`[a/b] ${ws.name}: ${ws.files.length} files, ${(ws.bytes / MB).toFixed(1)} MB`);
    const measured = timeAgainst(
      runs,
      () => parseFloor(ws.files),
      () => analyze(ws),
      big ? 0 : 1,
    );
    const { base: floor, fn: full, ratio, cpuRatio } = measured;
    const analysis = sink as Analysis;
    if (ws.pairs === 10000) largeAnalysis = analysis;
    const counts = {
      services: analysis.services.length,
      pods: analysis.pods.length,
      diagnostics: analysis.diagnostics.length,
    };
    sink = null;
    out[ws.name] = { files: ws.files.length, bytes: ws.bytes, pairs: ws.pairs, floor, full, ratio, counts };
    row(
      `(a) yaml parseAllDocuments, ${ws.name}`,
      `${ms(floor.medianMs)} (CPU ${ms(floor.cpuMs)}), heap peak ≥ ${mb(floor.peakHeapMB)}`,
    );
    const target = ws.pairs === 1000 && ws.files.length > 1 ? '≤ 1.5× (a)' : '';
    row(
      `(b) full analysis, ${ws.name}`,
      `${ms(full.medianMs)} = ${ratio.toFixed(2)}× (a) (CPU ${ms(full.cpuMs)} = ${cpuRatio.toFixed(2)}×; median of ${runs} rounds alternating with (a))`,
      target,
      target ? ratio <= 1.5 : null,
    );
    const heapTarget = ws.pairs === 10000 ? '< 500 MB' : '';
    row(
      `(f) heap, analysis of ${ws.name}`,
      `peak ≥ ${mb(full.peakHeapMB)}, retained ${mb(full.retainedHeapMB)}`,
      heapTarget,
      heapTarget ? full.peakHeapMB < 500 : null,
    );
  }
  results['analysis'] = out;
  if (!quick) heapCapped(10000);
}

/** (f) as a bound: the 10k-pair analysis in a child whose V8 heap is capped below 500 MB. */
function heapCapped(pairs: number): void {
  const oldSpaceMB = 450; // + the young generation: heap_size_limit just under 500 MB
  const r = spawnSync(
    process.execPath,
    [`--max-old-space-size=${oldSpaceMB}`, path.join(__dirname, 'heapLimit.js'), String(pairs)],
    { encoding: 'utf8', timeout: 10 * 60_000 },
  );
  const line = r.status === 0 ? r.stdout.trim().split('\n').pop() : undefined;
  const capped = line
    ? (JSON.parse(line) as { services: number; pods: number; ms: number; heapLimitMB: number })
    : null;
  results['heapCapped'] = capped ?? { status: r.status, signal: r.signal, stderr: r.stderr.slice(-500) };
  row(
    `(f) analysis of ${pairs} pairs with the heap capped (--max-old-space-size=${oldSpaceMB})`,
    capped
      ? `completes under a ${mb(capped.heapLimitMB)} heap limit: ${capped.services} services, ${capped.pods} pods in ${ms(capped.ms)}`
      : `failed (exit ${r.status}${r.signal ? `, ${r.signal}` : ''}): ${/heap out of memory/i.test(r.stderr) ? 'heap out of memory' : r.stderr.trim().split('\n').pop()}`,
    '< 500 MB',
    capped ? capped.heapLimitMB < 500 : false,
  );
}

// (b) as the extension runs it: the analysis runs in the worker (dist/worker.js's code, here
// out/src/extension/service/worker.js); the host's thread only computes what changed, posts
// it and receives the folder's summary (then groups its diagnostics per file, as the
// Problems publisher does). The longest block of the host's thread is what the user can
// feel: measured with a 1 ms timer during the first analysis of a folder and during edits.
async function sectionExtensionHost(): Promise<void> {
  const out: Record<string, unknown> = {};
  const longest: Record<string, number> = {};
  const script = path.join(__dirname, '..', 'src', 'extension', 'service', 'worker.js');
  for (const pairs of [1000, 10000]) {
    const ws = generateWorkspace(pairs);
    sink = null;
    gc();
    const client = new WorkerClient(nodeWorkerPort(script));
    const sent: SentFiles = new Map();
    const monitor = blockMonitor();
    const held: HeldDiagnostics = { diagnostics: new Map(), changedDiagnostics: 'all' };
    // The Problems publisher's queue (diagnostics.ts), its collection.set a conversion here.
    const published = new Map<string, unknown[]>();
    const publishing = new SlicedQueue<string>((file) => {
      const list = held.diagnostics.get(file);
      if (list)
        published.set(
          file,
          list.map((d) => ({ ...d.range, message: d.message })),
        );
      else published.delete(file);
    });
    // What the model does per analysis, minus vscode: the delta in pieces, the request, the
    // summary's diagnostics applied and published in slices.
    const analyse = async (files: WorkspaceFile[], full: boolean): Promise<number> => {
      await sendFiles(client, 'bench', sent, files, full, (e) => {
        throw e;
      });
      const answer = await client.request<AnalyzeRequest>({
        op: 'analyze',
        folder: 'bench',
        full: held.diagnostics.size === 0,
        profile: ws.profile,
        limits: {},
      });
      if ('cancelled' in answer) throw new Error('bench analysis superseded');
      await applyDiagnostics(held, answer.summary.diagnostics);
      const changed =
        held.changedDiagnostics === 'all'
          ? [...published.keys(), ...held.diagnostics.keys()]
          : held.changedDiagnostics;
      held.changedDiagnostics = [];
      await publishing.add(changed);
      return answer.summary.serviceCount;
    };
    const t0 = performance.now();
    const services = await analyse(ws.files, true);
    const firstMs = performance.now() - t0;
    const firstBlock = monitor.take();
    const texts = new Map(ws.files.map((f) => [f.path, f.text]));
    const random = prng(7);
    const editTimes: number[] = [];
    const edits = quick ? 10 : 30;
    for (let k = 0; k < edits; k++) {
      const file = ws.files[Math.floor(random() * ws.files.length)] as WorkspaceFile;
      texts.set(file.path, editOneLine(texts.get(file.path) ?? file.text, k));
      const e0 = performance.now();
      const files: WorkspaceFile[] = [];
      for (const [p, t] of texts) files.push({ path: p, text: t });
      await analyse(files, false);
      editTimes.push(performance.now() - e0);
    }
    const editBlock = monitor.take();
    monitor.stop();
    client.dispose();
    longest[String(pairs)] = Math.max(firstBlock, editBlock);
    out[ws.name] = {
      firstAnalysisMs: firstMs,
      firstAnalysisLongestBlockMs: firstBlock,
      edits,
      editP50Ms: percentile(editTimes, 50),
      editsLongestBlockMs: editBlock,
    };
    row(
      `(b) extension host: ${ws.name}, longest block of the host's thread (first analysis in the worker: ${ms(firstMs)}, ${services} services; ${edits} edits, p50 ${ms(percentile(editTimes, 50))} until the summary is back)`,
      `first analysis ${ms(firstBlock)}, edits ${ms(editBlock)}`,
      '< 50 ms',
      firstBlock < 50 && editBlock < 50,
    );
  }
  results['extensionHost'] = out;
  results['extensionHostLongestBlockMs'] = longest;
}

/** The longest time a 1 ms timer was held up since the last `take()`: how long the thread was blocked. */
function blockMonitor(): { take: () => number; stop: () => void } {
  let last = performance.now();
  let worst = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last - 1);
    last = now;
  }, 1);
  return {
    take: () => {
      const w = Math.max(worst, performance.now() - last - 1);
      worst = 0;
      return Math.max(0, w);
    },
    stop: () => clearInterval(timer),
  };
}

// (c): re-analysis after a one-line edit, 1,000-pair workspace.
function sectionIncremental(): void {
  const ws = generateWorkspace(1000);
  // The first edits after loading run while V8 is still compiling the incremental paths
  // (on 2 cores, TurboFan's background compiles of the reconciler take ~10 ms of CPU per
  // edit for the first few dozen edits). They are measured and shown on their own row;
  // p50/p95 are over the 200 edits after them.
  const warmup = quick ? 20 : 50;
  const edits = 200;
  const random = prng(42);
  const analyzer = createWorkspaceAnalyzer();
  analyzer.setProfile(ws.profile);
  const texts = new Map(ws.files.map((f) => [f.path, f.text]));
  for (const f of ws.files) analyzer.setFile(f.path, f.text);
  analyzer.analyze();
  const cold: number[] = [];
  const times: number[] = [];
  const cpu: number[] = [];
  sink = null; // a result of an earlier section (e.g. a trace holding the 10k analysis) would count here
  gc();
  let peak = 0;
  for (let k = 0; k < warmup + edits; k++) {
    const file = ws.files[Math.floor(random() * ws.files.length)] as WorkspaceFile;
    const text = editOneLine(texts.get(file.path) ?? file.text, k);
    texts.set(file.path, text);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    analyzer.setFile(file.path, text);
    const result = analyzer.analyze();
    const elapsed = performance.now() - t0;
    const c = process.cpuUsage(c0);
    if (k < warmup) cold.push(elapsed);
    else {
      times.push(elapsed);
      cpu.push((c.user + c.system) / 1000);
    }
    keep(result);
    if (k % 20 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
  }
  const p50 = percentile(times, 50);
  const p95 = percentile(times, 95);
  const cpuP50 = percentile(cpu, 50);
  const cpuP95 = percentile(cpu, 95);
  // The same edits through the one-shot API, for comparison.
  const oneShot = time(quick ? 3 : 7, () =>
    analyzeWorkspace({ files: [...texts].map(([p, t]) => ({ path: p, text: t })), profile: ws.profile }),
  );
  results['incremental'] = {
    warmup,
    coldMs: cold,
    edits,
    p50,
    p95,
    max: Math.max(...times),
    peakHeapMB: peak / MB,
    oneShotMs: oneShot.medianMs,
  };
  row(
    `(c) the first ${warmup} edits after loading (JIT warming up)`,
    `p50 ${ms(percentile(cold, 50))}, p95 ${ms(percentile(cold, 95))}, max ${ms(Math.max(...cold))}`,
  );
  row(
    `(c) re-analysis after a one-line edit, 1,000 pairs, p50 of the next ${edits}`,
    `${ms(p50)} (one-shot analyzeWorkspace ${ms(oneShot.medianMs)}, ${(oneShot.medianMs / p50).toFixed(0)}× slower)`,
  );
  row(
    `(c) re-analysis after a one-line edit, 1,000 pairs, p95 of the next ${edits}`,
    `${ms(p95)} (CPU p50 ${ms(cpuP50)}, p95 ${ms(cpuP95)})`,
    '< 10 ms',
    p95 < 10,
  );
  row('(f) heap during the 200 edits', `peak ≥ ${mb(peak / MB)}`);
}

// (k): a kustomize overlay on a tree shaped like Argo CD's cluster install, built and
// analysed, then re-analysed after one-line edits of its base files. Each edit changes what
// the overlay builds (checked, outside the timing: an edit that changes nothing is no edit).
function sectionKustomize(): void {
  const apps = 200;
  const files = kustomizeTree(apps);
  const first = time(quick ? 2 : 5, () => keep(analyzeWorkspace({ files })));
  const analyzer = createWorkspaceAnalyzer();
  for (const f of files) analyzer.setFile(f.path, f.text);
  let analysis = analyzer.analyze();
  if (analysis.services.length !== apps)
    throw new Error(`kustomize bench: ${analysis.services.length} services built`);
  const texts = new Map(files.map((f) => [f.path, f.text]));
  const bases = files.map((f) => f.path).filter(isBaseResourceFile);
  const builtFrom = (a: Analysis, path: string): string =>
    JSON.stringify(a.objects.filter((o) => o.file === path).map((o) => o.raw));
  const random = prng(7);
  // As in (c): the first edits run while V8 still compiles the incremental paths.
  const warmup = quick ? 10 : 30;
  const edits = quick ? 40 : 200;
  const cold: number[] = [];
  const times: number[] = [];
  const cpu: number[] = [];
  sink = null;
  gc();
  for (let k = 0; k < warmup + edits; k++) {
    let path = '';
    let text: string | undefined;
    while (text === undefined) {
      path = bases[Math.floor(random() * bases.length)] as string;
      text = editBaseLine(texts.get(path) ?? '', k);
    }
    const before = builtFrom(analysis, path);
    texts.set(path, text);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    analyzer.setFile(path, text);
    analysis = analyzer.analyze();
    const elapsed = performance.now() - t0;
    const c = process.cpuUsage(c0);
    if (builtFrom(analysis, path) === before)
      throw new Error(`kustomize bench: editing ${path} changed nothing the overlay builds`);
    if (k < warmup) cold.push(elapsed);
    else {
      times.push(elapsed);
      cpu.push((c.user + c.system) / 1000);
    }
  }
  // The incremental result is the one-shot analysis of the edited files.
  const fresh = analyzeWorkspace({ files: [...texts].map(([p, t]) => ({ path: p, text: t })) });
  if (JSON.stringify(toAnalyzeJson(fresh)) !== JSON.stringify(toAnalyzeJson(analysis)))
    throw new Error('kustomize bench: the incremental analysis differs from a fresh one');
  const p50 = percentile(times, 50);
  const p95 = percentile(times, 95);
  results['kustomize'] = {
    apps,
    files: files.length,
    resources: analysis.objects.length,
    firstAnalysisMs: first.medianMs,
    warmup,
    coldMs: cold,
    edits,
    editP50: p50,
    editP95: p95,
    editMax: Math.max(...times),
    editCpuP50: percentile(cpu, 50),
    editCpuP95: percentile(cpu, 95),
  };
  row(
    `(k) kustomize overlay on an Argo CD-shaped install, ${apps} apps (${files.length} files, ${analysis.objects.length} objects built): build and analyse`,
    ms(first.medianMs),
  );
  row(
    `(k) the first ${warmup} edits after loading (JIT warming up)`,
    `p50 ${ms(percentile(cold, 50))}, p95 ${ms(percentile(cold, 95))}, max ${ms(Math.max(...cold))}`,
  );
  row(
    `(k) kustomize overlay: re-analysis after a one-line edit in a base file, p50 of ${edits}`,
    `${ms(p50)} (CPU ${ms(percentile(cpu, 50))})`,
  );
  row(
    `(k) kustomize overlay: re-analysis after a one-line edit in a base file, p95 of ${edits}`,
    `${ms(p95)} (CPU ${ms(percentile(cpu, 95))})`,
    '< 20 ms',
    p95 < 20,
  );
}

// (n): kube-proxy's nftables table for 1k and 10k Services × 3 endpoints on one node, in the
// two forms kubepath generates: the `nft list` listing (the default) and the transaction.
function sectionNftables(): void {
  const forms: { form: NftablesBenchForm; label: string }[] = [
    { form: 'list', label: 'nft list table (sync + listing)' },
    { form: 'transaction', label: 'transaction (sync + its text)' },
  ];
  const out: Record<string, unknown> = {};
  for (const { form, label } of forms) {
    const small = measureNftables(1000, quick ? 3 : 7, form);
    const large = measureNftables(10000, quick ? 3 : 5, form);
    const ratio = large.ms / small.ms;
    out[form] = { small, large, ratio };
    row(
      `(n) nftables ${label}, 1k services × 3 endpoints`,
      `${ms(small.ms)} (CPU ${ms(small.cpuMs)}), ${small.lines} lines, heap ${mb(small.heapMB)}`,
    );
    row(
      `(n) nftables ${label}, 10k services × 3 endpoints`,
      `${ms(large.ms)} (CPU ${ms(large.cpuMs)}), ${large.lines} lines, heap ${mb(large.heapMB)}`,
      '< 1 s',
      large.ms < 1000,
    );
    row(
      `(n) nftables ${form} growth 10k / 1k`,
      `${ratio.toFixed(2)}× (CPU ${(large.cpuMs / small.cpuMs).toFixed(2)}×)`,
      '≤ 11× (linear)',
      ratio <= 11,
    );
  }
  results['nftables'] = out;
}

// (h): a large chart (a hundred templates, subcharts, helpers) rendered as helm template
// renders it, against the yaml parse floor of what it prints; then a one-line edit in
// values.yaml re-rendered and re-analysed by the incremental analyzer.
function sectionHelm(): void {
  const files = helmChart();
  const fsFiles = Object.fromEntries(files.map((f) => [`/ws/${f.path}`, f.text]));
  const fs_ = memoryFs(fsFiles);
  const render = (): ReturnType<typeof renderChart> => renderChart(fs_, '/ws/platform');
  const first = render();
  if (first.error) throw new Error(`helm bench: ${first.error.message}`);
  const output = formatHelmTemplate(first).stdout;
  const templates = files.filter((f) => /\/templates\/(?:.*\/)?[^_/][^/]*\.yaml$/.test(f.path)).length;
  const measured = timeAgainst(
    quick ? 5 : 15,
    () => parseAllDocuments(output).length,
    () => render(),
  );
  sink = null;
  const analyzer = createWorkspaceAnalyzer();
  for (const f of files) analyzer.setFile(f.path, f.text);
  const firstAnalysis = time(quick ? 2 : 5, () => keep(analyzeWorkspace({ files })));
  const built = analyzer.analyze();
  if (built.services.length !== first.manifests.filter((m) => m.kind === 'Service').length)
    throw new Error(`helm bench: ${built.services.length} services analysed`);
  // One line per edit, cumulative: the replicas of one root component, set to a number it does
  // not have now (the Deployment's spec.replicas is checked to follow, outside the timing). As
  // in (c) and (k), the first edits run while V8 still compiles the incremental render path;
  // they are shown on their own row and p50/p95 are over the edits after them.
  let values = files.find((f) => f.path === 'platform/values.yaml')!.text;
  const warmup = quick ? 10 : 30;
  const edits = quick ? 20 : 60;
  const cold: number[] = [];
  const times: number[] = [];
  const cpu: number[] = [];
  const replicasOf = (a: Analysis, name: string): unknown =>
    a.objects.find((o) => o.kind === 'Deployment' && o.name === name)?.raw['spec'];
  let analysis = built;
  sink = null;
  gc();
  for (let k = 0; k < warmup + edits; k++) {
    const component = k % 18;
    let n = 0;
    let set = 0;
    const at = values.indexOf('\ncomponents:\n'); // after the subcharts' overrides
    values =
      values.slice(0, at) +
      values.slice(at).replace(/replicas: (\d+)/g, (m, r: string) => {
        if (n++ !== component) return m;
        set = (Number(r) % 5) + 1;
        return `replicas: ${set}`;
      });
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    analyzer.setFile('platform/values.yaml', values);
    analysis = analyzer.analyze();
    const elapsed = performance.now() - t0;
    const c = process.cpuUsage(c0);
    const spec = replicasOf(analysis, `release-name-platform-svc${component}`) as
      { replicas?: unknown } | undefined;
    if (spec?.replicas !== set)
      throw new Error(
        `helm bench: edit ${k} set replicas ${set}, the Deployment has ${String(spec?.replicas)}`,
      );
    if (k < warmup) cold.push(elapsed);
    else {
      times.push(elapsed);
      cpu.push((c.user + c.system) / 1000);
    }
  }
  // The incremental result is the one-shot analysis of the edited files.
  const fresh = analyzeWorkspace({
    files: files.map((f) => (f.path === 'platform/values.yaml' ? { path: f.path, text: values } : f)),
  });
  if (JSON.stringify(toAnalyzeJson(fresh)) !== JSON.stringify(toAnalyzeJson(analysis)))
    throw new Error('helm bench: the incremental analysis differs from a fresh one');
  const p95 = percentile(times, 95);
  results['helm'] = {
    templates,
    files: files.length,
    manifests: first.manifests.length,
    outputBytes: output.length,
    floor: measured.base,
    render: measured.fn,
    ratio: measured.ratio,
    cpuRatio: measured.cpuRatio,
    firstAnalysisMs: firstAnalysis.medianMs,
    warmup,
    coldMs: cold,
    edits,
    editP50: percentile(times, 50),
    editP95: p95,
    editMax: Math.max(...times),
    editCpuP50: percentile(cpu, 50),
    editCpuP95: percentile(cpu, 95),
  };
  row(
    `(h) yaml parseAllDocuments of the rendered chart (${first.manifests.length} manifests, ${(output.length / 1024).toFixed(0)} KB)`,
    ms(measured.base.medianMs),
  );
  row(
    `(h) helm template of a chart with ${templates} templates and subcharts`,
    `${ms(measured.fn.medianMs)} = ${measured.ratio.toFixed(2)}× the parse floor (CPU ${measured.cpuRatio.toFixed(2)}×)`,
    '≤ 2× (h)',
    measured.ratio <= 2,
  );
  row(`(h) helm chart: render and analyse`, ms(firstAnalysis.medianMs));
  row(
    `(h) the first ${warmup} values edits after loading (JIT warming up)`,
    `p50 ${ms(percentile(cold, 50))}, p95 ${ms(percentile(cold, 95))}, max ${ms(Math.max(...cold))}`,
  );
  row(
    `(h) helm chart: re-render and re-analysis after a one-line edit in values.yaml, p50 of ${edits}`,
    `${ms(percentile(times, 50))} (CPU ${ms(percentile(cpu, 50))})`,
  );
  row(
    `(h) helm chart: re-render and re-analysis after a one-line edit in values.yaml, p95 of ${edits}`,
    `${ms(p95)} (CPU ${ms(percentile(cpu, 95))})`,
    '< 50 ms',
    p95 < 50,
  );
}

// (d): kube-proxy rules for 1k and 10k Services × 3 endpoints on one node.
function sectionIptables(): void {
  const small = measureIptables(1000, quick ? 3 : 7);
  const large = measureIptables(10000, quick ? 2 : 5);
  const ratio = large.ms / small.ms;
  results['iptables'] = { small, large, ratio };
  row(
    '(d) iptables-save, 1k services × 3 endpoints',
    `${ms(small.ms)} (CPU ${ms(small.cpuMs)}), ${small.lines} lines, heap ${mb(small.heapMB)}`,
  );
  row(
    '(d) iptables-save, 10k services × 3 endpoints',
    `${ms(large.ms)} (CPU ${ms(large.cpuMs)}), ${large.lines} lines, heap ${mb(large.heapMB)}`,
    '< 1 s',
    large.ms < 1000,
  );
  row(
    '(d) growth 10k / 1k',
    `${ratio.toFixed(2)}× (CPU ${(large.cpuMs / small.cpuMs).toFixed(2)}×)`,
    '≤ 11× (linear)',
    ratio <= 11,
  );
}

// (e): one request traced through the 10k workspace.
function sectionTrace(): void {
  const ws = generateWorkspace(quick ? 1000 : 10000);
  const analysis = ws.pairs === 10000 && largeAnalysis ? largeAnalysis : analyze(ws);
  const lb = analysis.services.find(
    (s) => s.service.type === 'LoadBalancer' && s.loadBalancer?.ingress[0]?.ip,
  );
  const target = lb ? `http://${lb.loadBalancer?.ingress[0]?.ip}:${lb.service.ports[0]?.port}/` : '';
  const trace = time(quick ? 3 : 7, () => traceRequest(analysis, target, { from: { kind: 'internet' } }));
  const last = traceRequest(analysis, target, { from: { kind: 'internet' } });
  results['trace'] = {
    workspace: ws.name,
    target,
    outcome: last.outcome,
    branches: last.branches.length,
    ...trace,
  };
  row(
    `(e) trace ${target} from the internet, ${ws.name}`,
    `${ms(trace.medianMs)} (CPU ${ms(trace.cpuMs)}; ${last.outcome}, ${last.branches.length} branches), heap peak ≥ ${mb(trace.peakHeapMB)}`,
    '< 20 ms',
    trace.medianMs < 20,
  );
}

// (g): the .vsix as `npm run package` builds it, and activation in real VS Code (the E2E
// setup: code-server + chromium) over several fresh starts.
function sectionPackage(): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kubepath-bench-'));
  try {
    const vsix = packageVsix(dir);
    const media = readmeMediaBytes();
    results['vsix'] = typeof vsix === 'number' ? { bytes: vsix, readmeMediaBytes: media } : { error: vsix };
    row(
      '(g) .vsix size (npm run package) without README images',
      typeof vsix === 'number'
        ? `${((vsix - media) / 1024).toFixed(0)} KB (+ ${(media / 1024).toFixed(0)} KB of README images)`
        : `not built: ${vsix}`,
      // The render stage (Go templates, Sprig with RE2 semantics, Helm) is in both the desktop
      // engine and the web bundle. README's images have their own budget (the E2E harness).
      '< 1.5 MB',
      typeof vsix === 'number' ? vsix - media < 1.5 * MB : false,
    );
    const activation = e2eSetup() ?? measureActivation(quick ? 1 : 3, dir);
    results['activation'] = activation;
    row(
      '(g) extension activation in code-server',
      'reason' in activation
        ? `not measured: ${activation.reason}`
        : `${ms(activation.medianMs)} median of ${activation.runs.length} starts (bundle evaluation ${ms(activation.evaluationMs)} + activate ${ms(activation.activateMs)}; runs ${activation.runs.map((r) => r.toFixed(1)).join(', ')} ms)`,
      '< 50 ms',
      'reason' in activation ? null : activation.medianMs < 50,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The E2E setup (code-server + chromium), as CI runs it: idempotent, about a second once
 * done, a couple of minutes the first time. Null when ready, else why not.
 */
function e2eSetup(): { reason: string } | null {
  console.error('[g] bash scripts/e2e-setup.sh');
  const r = spawnSync('bash', [path.join(root, 'scripts', 'e2e-setup.sh')], {
    cwd: root,
    stdio: ['ignore', 2, 2],
    timeout: 15 * 60_000,
  });
  return r.status === 0 ? null : { reason: `bash scripts/e2e-setup.sh exited ${r.status ?? r.signal}` };
}

/**
 * Bytes of the images README shows inline (media/screenshots/…), which the .vsix ships
 * (.vscodeignore): PNG and GIF do not deflate, so they weigh in the .vsix what they weigh on disk.
 */
function readmeMediaBytes(): number {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const images = new Set(
    [...readme.matchAll(/!\[[^\]]*\]\(\s*<?(media\/screenshots\/[^)\s>]+)/g)].map((m) => m[1] ?? ''),
  );
  let bytes = 0;
  for (const image of images) {
    const file = path.join(root, image);
    if (image && fs.existsSync(file)) bytes += fs.statSync(file).size;
  }
  return bytes;
}

/** Builds the shipped bundles and the .vsix into `dir`; its size in bytes, or why it failed. */
function packageVsix(dir: string): number | string {
  const out = path.join(dir, 'kubepath.vsix');
  const steps: [string, string[]][] = [
    [process.execPath, [path.join(root, 'esbuild.js'), '--production']],
    [
      path.join(root, 'node_modules', '.bin', 'vsce'),
      ['package', '--no-dependencies', '--allow-missing-repository', '-o', out],
    ],
  ];
  for (const [cmd, cmdArgs] of steps) {
    const r = spawnSync(cmd, cmdArgs, { cwd: root, encoding: 'utf8' });
    if (r.status !== 0)
      return `${path.basename(cmd)} exited ${r.status}: ${(r.stderr || r.stdout).slice(0, 200)}`;
  }
  return fs.statSync(out).size;
}

type Activation =
  { medianMs: number; evaluationMs: number; activateMs: number; runs: number[] } | { reason: string };

/**
 * Starts code-server `starts` times with a freshly installed .vsix (the E2E harness, only its
 * activation step) and reads "kubepath activated in X ms (bundle evaluation A ms + activate B
 * ms …)" from the extension's log.
 */
function measureActivation(starts: number, dir: string): Activation {
  const runs: { total: number; evaluation: number; activate: number }[] = [];
  for (let i = 0; i < starts; i++) {
    const r = spawnSync(process.execPath, [path.join(root, 'test', 'e2e', 'run.mjs'), '--only=activation'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, E2E_OUT_DIR: path.join(dir, `e2e-${i}`) },
      timeout: 5 * 60_000,
    });
    const text = `${r.stdout}${r.stderr}`;
    const m = /activated in ([\d.]+) ms \(bundle evaluation ([\d.]+) ms \+ activate ([\d.]+) ms/.exec(text);
    if (!m) {
      return {
        reason: `the E2E activation step did not report (exit ${r.status}): ${text.trim().split('\n').slice(-2).join(' | ').slice(0, 200)}`,
      };
    }
    runs.push({ total: Number(m[1]), evaluation: Number(m[2]), activate: Number(m[3]) });
  }
  // The run with the median total, so its parts add up.
  const mid = [...runs].sort((a, b) => a.total - b.total)[Math.floor(runs.length / 2)] ?? runs[0];
  return {
    medianMs: mid?.total ?? 0,
    evaluationMs: mid?.evaluation ?? 0,
    activateMs: mid?.activate ?? 0,
    runs: runs.map((r) => r.total),
  };
}

function gitRevision(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

function printTable(): void {
  const header = ['figure', 'value', 'target', ''];
  const body = rows.map((r) => [r.figure, r.value, r.target, r.ok === null ? '' : r.ok ? 'ok' : 'MISSED']);
  const widths = header.map((_, c) => Math.max(...[header, ...body].map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, c) => cell.padEnd(widths[c] ?? 0))
      .join('  ')
      .trimEnd();
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of body) console.log(line(r));
}

results['revision'] = gitRevision();
if (!results['exposeGc']) console.error('note: run with node --expose-gc for clean heap figures');
async function main(): Promise<void> {
  if (wanted('b')) sectionAnalysis();
  // The trace reuses the 10k analysis of (b); drop it afterwards so later heap figures are their own.
  if (wanted('e')) sectionTrace();
  largeAnalysis = null;
  if (wanted('b')) await sectionExtensionHost();
  if (wanted('c')) sectionIncremental();
  if (wanted('d')) sectionIptables();
  if (wanted('n')) sectionNftables();
  if (wanted('k')) sectionKustomize();
  if (wanted('h')) sectionHelm();
  if (wanted('g')) sectionPackage();
  results['rows'] = rows;
  fs.writeFileSync(path.join(root, 'bench', 'results.json'), JSON.stringify(results, null, 2) + '\n');
  console.log('');
  printTable();
  console.log(
    `\nwritten: bench/results.json (${results['revision'] as string}); medians of several runs; machines are noisy, compare the ratios`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
