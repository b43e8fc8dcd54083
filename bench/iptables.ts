// Generation time of kube-proxy's rules for 1k and 10k Services × 3 endpoints on one
// node (restore input + iptables-save view), median of several runs, and the growth ratio.
// Run: node esbuild.js --tests && node out/bench/iptables.js (npm run bench includes it).
import type { EndpointSlice, KubeProxyNode, Service } from '../src/engine/model';
import { iptablesSaveView, syncProxyRules } from '../src/engine/proxy/iptables';

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

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

export interface IptablesBenchResult {
  /** Restore input + iptables-save view, median ms. */
  ms: number;
  /** CPU time (user + system) of the same median run: robust when the machine is shared. */
  cpuMs: number;
  restoreMs: number;
  saveMs: number;
  lines: number;
  heapMB: number;
}

export function measureIptables(count: number, runs: number): IptablesBenchResult {
  const input = iptablesWorkload(count);
  const restore: number[] = [];
  const save: number[] = [];
  const total: number[] = [];
  const cpu: number[] = [];
  let lines = 0;
  let peak = 0;
  for (let r = 0; r < runs; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const sync = syncProxyRules(input, benchNode);
    const t1 = performance.now();
    iptablesSaveView(sync);
    const t2 = performance.now();
    restore.push(t1 - t0);
    save.push(t2 - t1);
    total.push(t2 - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
    peak = Math.max(peak, process.memoryUsage().heapUsed);
    lines = sync.restoreInput.split('\n').length - 1;
  }
  return {
    ms: median(total),
    cpuMs: median(cpu),
    restoreMs: median(restore),
    saveMs: median(save),
    lines,
    heapMB: peak / 2 ** 20,
  };
}

function main(): void {
  const small = measureIptables(1000, 7);
  const large = measureIptables(10000, 5);
  const rows = [
    [
      'services × 3 endpoints',
      'restore lines',
      'restore input ms',
      'save view ms',
      'total ms',
      'total CPU ms',
      'peak heap MB',
    ],
    ...(
      [
        ['1000', small],
        ['10000', large],
      ] as const
    ).map(([n, r]) => [
      n,
      String(r.lines),
      r.restoreMs.toFixed(1),
      r.saveMs.toFixed(1),
      r.ms.toFixed(1),
      r.cpuMs.toFixed(1),
      r.heapMB.toFixed(0),
    ]),
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  for (const r of rows) console.log(r.map((cell, c) => cell.padEnd(widths[c]!)).join('  '));
  console.log(
    `ratio 10k/1k: restore ${(large.restoreMs / small.restoreMs).toFixed(2)}x, total ${(large.ms / small.ms).toFixed(2)}x, CPU ${(large.cpuMs / small.cpuMs).toFixed(2)}x (target <= 11x); 10k under 1 s: wall ${large.ms < 1000 ? 'yes' : 'NO'}, CPU ${large.cpuMs < 1000 ? 'yes' : 'NO'}`,
  );
}

if (require.main === module) main();
