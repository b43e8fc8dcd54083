// Generation time of kube-proxy's rules for 1k and 10k Services × 3 endpoints on one
// node, median of several runs, and the growth ratio. Each form is timed on its own, as
// the commands produce it: the iptables-save view (`kubepath iptables`, the default, and
// what the extension and the tracer use) and the restore input (`--restore-input`).
// Run: node esbuild.js --tests && node out/bench/iptables.js (npm run bench includes it).
import type { EndpointSlice, KubeProxyNode, Service } from '../src/engine/model';
import type { IptablesForm } from '../src/engine/proxy/iptables';
import { iptablesRules } from '../src/engine/proxy/iptables';

const noSource = { file: 'bench.yaml', line: 1, column: 1, endLine: 1, endColumn: 1 };

export function iptablesWorkload(count: number): { services: Service[]; endpointSlices: EndpointSlice[] } {
  const services: Service[] = [];
  const endpointSlices: EndpointSlice[] = [];
  for (let i = 0; i < count; i++) {
    const name = `svc-${i}`;
    services.push({
      metadata: { namespace: 'bench', name, labels: {}, annotations: {} },
      type: 'NodePort',
      clusterIP: `10.96.${(i >> 8) & 255}.${i & 255}`,
      clusterIPs: [],
      selector: { app: name },
      ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080, nodePort: 30000 + (i % 2768) }],
      externalIPs: [],
      externalName: '',
      sessionAffinity: 'None',
      sessionAffinityTimeoutSeconds: 10800,
      externalTrafficPolicy: 'Cluster',
      internalTrafficPolicy: 'Cluster',
      loadBalancerSourceRanges: [],
      loadBalancerIP: '',
      loadBalancerClass: null,
      healthCheckNodePort: 0,
      publishNotReadyAddresses: false,
      ipFamilies: ['IPv4'],
      status: { loadBalancer: { ingress: [] } },
      source: noSource,
    });
    endpointSlices.push({
      metadata: { namespace: 'bench', name: `${name}-x`, labels: {}, annotations: {} },
      serviceName: name,
      addressType: 'IPv4',
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      endpoints: [0, 1, 2].map((k) => {
        const n = i * 3 + k;
        return {
          addresses: [`10.${64 + (n >> 16)}.${(n >> 8) & 255}.${n & 255}`],
          conditions: { ready: true, serving: true, terminating: false },
          nodeName: `node-${k + 1}`,
          zone: null,
          hostname: null,
          hints: null,
          targetRef: null,
        };
      }),
      managedBy: 'endpointslice-controller.k8s.io',
      source: noSource,
    });
  }
  return { services, endpointSlices };
}

export const benchNode: KubeProxyNode = {
  name: 'node-1',
  ips: ['172.18.0.2'],
  labels: {},
  localDetectorCIDR: '10.64.0.0/10',
  masqueradeAll: false,
  masqueradeMark: '0x00004000',
  localhostNodePorts: true,
  nodePortAddresses: [],
  randomFully: true,
  conntrackTCPBeLiberal: false,
  kubernetesVersion: '1.33',
};

interface FormResult {
  /** Median wall time, ms. */
  ms: number;
  /** CPU time (user + system) of the same median run: robust when the machine is shared. */
  cpuMs: number;
  lines: number;
  /** Highest heapUsed seen after a run, MB. */
  heapMB: number;
}

export interface IptablesBenchResult extends FormResult {
  /** ms, cpuMs, lines and heapMB above are the default output's (the iptables-save view). */
  form: 'iptables-save';
  restoreInput: FormResult;
}

/** A full collection when node runs with --expose-gc (npm run bench does). */
function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function measureForm(
  input: ReturnType<typeof iptablesWorkload>,
  form: IptablesForm,
  runs: number,
): FormResult {
  const runsDone: { ms: number; cpuMs: number }[] = [];
  let lines = 0;
  let peak = 0;
  for (let r = 0; r < runs; r++) {
    // Garbage of earlier runs (or of earlier bench sections) would count in the heap figure.
    collectGarbage();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const text = iptablesRules(input, benchNode, form).text;
    const ms = performance.now() - t0;
    const c = process.cpuUsage(c0);
    runsDone.push({ ms, cpuMs: (c.user + c.system) / 1000 });
    peak = Math.max(peak, process.memoryUsage().heapUsed);
    lines = text.split('\n').length - 1;
  }
  const sorted = [...runsDone].sort((a, b) => a.ms - b.ms);
  const median = sorted[Math.floor(sorted.length / 2)] ?? { ms: 0, cpuMs: 0 };
  return { ms: median.ms, cpuMs: median.cpuMs, lines, heapMB: peak / 2 ** 20 };
}

export function measureIptables(count: number, runs: number): IptablesBenchResult {
  const input = iptablesWorkload(count);
  const save = measureForm(input, 'iptables-save', runs);
  const restoreInput = measureForm(input, 'restore-input', runs);
  return { form: 'iptables-save', ...save, restoreInput };
}

function main(): void {
  const small = measureIptables(1000, 7);
  const large = measureIptables(10000, 5);
  console.log(
    'kube-proxy rules for one node; each form generated on its own, as the commands do: ' +
      'the iptables-save view (`kubepath iptables`, the default) and the restore input (`--restore-input`). ' +
      'Until this bench said so, one sync built both and the bench timed the two together.',
  );
  const rows = [
    ['services × 3 endpoints', 'form', 'lines', 'median ms', 'CPU ms', 'peak heap MB'],
    ...(
      [
        ['1000', small],
        ['10000', large],
      ] as const
    ).flatMap(([n, r]) =>
      (
        [
          ['iptables-save', r],
          ['restore-input', r.restoreInput],
        ] as const
      ).map(([form, f]) => [
        n,
        form,
        String(f.lines),
        f.ms.toFixed(1),
        f.cpuMs.toFixed(1),
        f.heapMB.toFixed(0),
      ]),
    ),
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  for (const r of rows) console.log(r.map((cell, c) => cell.padEnd(widths[c]!)).join('  '));
  const ratio = (a: FormResult, b: FormResult) =>
    `${(a.ms / b.ms).toFixed(2)}x (CPU ${(a.cpuMs / b.cpuMs).toFixed(2)}x)`;
  console.log(
    `ratio 10k/1k (target <= 11x): iptables-save ${ratio(large, small)}, restore-input ${ratio(large.restoreInput, small.restoreInput)}`,
  );
  console.log(
    `10k under 1 s (iptables-save, the default): wall ${large.ms < 1000 ? 'yes' : 'NO'}, CPU ${large.cpuMs < 1000 ? 'yes' : 'NO'}`,
  );
}

if (require.main === module) main();
