// Measures each resource attack (attacks.ts) in its own process: engine time
// (analyzeWorkspace, then kube-proxy rules for one node and one trace), peak memory,
// outcome. Prints a Markdown table. Run after `npm run build:test`:
//   node out/test/fuzz/resources.js
import { execFileSync } from 'node:child_process';
import { analyzeWorkspace } from '../../src/engine';
import { generateIptables, kubeProxyNodeFor } from '../../src/engine/proxy/iptables';
import { TraceTargetError, traceRequest } from '../../src/engine/trace/request';
import { ATTACKS } from './attacks';

function measureOne(index: number): void {
  const attack = ATTACKS[index]!;
  const input = attack.input();
  const inputBytes = input.files.reduce((n, f) => n + f.text.length, 0);
  const rssBefore = process.memoryUsage().rss;
  const t0 = performance.now();
  const analysis = analyzeWorkspace(input);
  const analyzeMs = performance.now() - t0;
  const t1 = performance.now();
  const node = analysis.profile.nodes[0]!;
  const rules = generateIptables(
    { services: analysis.services.map((s) => s.service), endpointSlices: analysis.endpointSlices },
    kubeProxyNodeFor(analysis.profile, node.name),
  );
  const iptablesMs = performance.now() - t1;
  const t2 = performance.now();
  const first = analysis.services[0];
  let traceOutcome = '-';
  if (first) {
    try {
      const dump = attack.iptablesSave?.();
      const trace = traceRequest(
        analysis,
        `${first.service.metadata.name}:${first.service.ports[0]?.port ?? 80}`,
        dump === undefined ? {} : { iptablesSave: { file: 'dump.txt', text: dump } },
      );
      traceOutcome = `${trace.outcome} (${trace.branches.length} branches)`;
    } catch (err) {
      if (!(err instanceof TraceTargetError)) throw err;
      traceOutcome = 'target error';
    }
  }
  const traceMs = performance.now() - t2;
  const counts = new Map<string, number>();
  for (const d of analysis.diagnostics)
    counts.set(`${d.severity} ${d.code}`, (counts.get(`${d.severity} ${d.code}`) ?? 0) + 1);
  const first3 = [...counts].slice(0, 3).map(([k, n]) => `${n}× ${k}`);
  const message = analysis.diagnostics.find(
    (d) => d.severity !== 'warning' || d.code !== 'service-selector-no-match',
  );
  process.stdout.write(
    JSON.stringify({
      inputBytes,
      analyzeMs,
      iptablesMs,
      traceMs,
      ruleLines: rules.restoreInput.split('\n').length,
      traceOutcome,
      peakRssMB: process.resourceUsage().maxRSS / 1024,
      rssBeforeMB: rssBefore / 1024 / 1024,
      objects: analysis.objects.length,
      pods: analysis.pods.length,
      services: analysis.services.length,
      diagnostics: first3.join(', ') || 'none',
      message: message ? `${message.code}: ${message.message.slice(0, 110)}` : '',
    }),
  );
}

function main(): void {
  const one = process.argv.indexOf('--one');
  if (one >= 0) {
    measureOne(Number(process.argv[one + 1]));
    return;
  }
  console.log('| input | size | analyze | iptables (1 node) | trace | peak RSS | outcome |');
  console.log('|---|---|---|---|---|---|---|');
  ATTACKS.forEach((attack, i) => {
    let row: Record<string, unknown>;
    try {
      row = JSON.parse(
        execFileSync(process.execPath, [__filename, '--one', String(i)], {
          encoding: 'utf8',
          maxBuffer: 1 << 20,
          timeout: 600_000,
        }),
      ) as Record<string, unknown>;
    } catch (err) {
      console.log(`| ${attack.name} | | | | | | FAILED: ${(err as Error).message.split('\n')[0]} |`);
      return;
    }
    const ms = (k: string): string => `${Math.round(row[k] as number)} ms`;
    const mb = (row['inputBytes'] as number) / 1024 / 1024;
    console.log(
      `| ${attack.name} | ${mb >= 1 ? `${mb.toFixed(1)} MB` : `${Math.round((row['inputBytes'] as number) / 1024)} KB`} | ${ms('analyzeMs')} | ${ms('iptablesMs')} | ${ms('traceMs')} | ${Math.round(row['peakRssMB'] as number)} MB (input built: ${Math.round(row['rssBeforeMB'] as number)} MB) | ${row['objects'] as number} objects, ${row['pods'] as number} pods, ${row['services'] as number} services, trace ${row['traceOutcome'] as string}; ${row['diagnostics'] as string}${row['message'] ? `; "${row['message'] as string}"` : ''} |`,
    );
  });
}

main();
