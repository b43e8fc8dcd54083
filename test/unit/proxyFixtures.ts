// Conformance fixture JSON (test/fixtures/conformance/iptables) → engine model objects.
// null = left unset by the Go fixture; kube-proxy's reading of unset fields applies.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { EndpointSlice, KubeProxyNode, Protocol, Service } from '../../src/engine/model';

function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

export const fixtureDir = join(repoRoot(), 'test', 'fixtures', 'conformance', 'iptables');

export interface FixtureService {
  namespace: string;
  name: string;
  type: Service['type'] | null;
  clusterIP: string;
  ports: {
    name: string;
    protocol: Protocol;
    port: number;
    targetPort: number | string | null;
    nodePort: number | null;
  }[];
  externalIPs: string[];
  loadBalancerIngress: { ip?: string; ipMode?: 'VIP' | 'Proxy' }[];
  externalTrafficPolicy: 'Cluster' | 'Local' | null;
  internalTrafficPolicy: 'Cluster' | 'Local' | null;
  sessionAffinity: 'None' | 'ClientIP' | null;
  sessionAffinityTimeoutSeconds: number | null;
  loadBalancerSourceRanges: string[];
  healthCheckNodePort: number | null;
  selector: Record<string, string> | null;
}

export interface FixtureSlice {
  namespace: string;
  serviceName: string;
  name: string;
  addressType: 'IPv4' | 'IPv6';
  ports: { name: string | null; port: number | null; protocol: Protocol }[];
  endpoints: {
    addresses: string[];
    nodeName: string | null;
    ready: boolean | null;
    serving: boolean | null;
    terminating: boolean | null;
    zone?: string | null;
    hints?: { forZones?: string[]; forNodes?: string[] } | null;
  }[];
}

export interface FakeProxier {
  nodeName: string;
  nodeIPs: string[];
  localDetector: { cidr: string };
  masqueradeMark: string;
  masqueradeAll: boolean;
  localhostNodePorts: boolean;
  nodePortAddresses: string[] | null;
  hasRandomFully: boolean;
  conntrackTCPLiberal: boolean;
  nodeLabels?: Record<string, string>;
}

export function loadFixture<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(join(fixtureDir, `${name}.json`), 'utf8')) as T;
}

const noSource: Service['source'] = { file: '', line: 1, column: 1, endLine: 1, endColumn: 1 };

export function toService(s: FixtureService): Service {
  return {
    metadata: { namespace: s.namespace, name: s.name, labels: {}, annotations: {} },
    type: s.type ?? 'ClusterIP',
    clusterIP: s.clusterIP,
    clusterIPs: [s.clusterIP],
    selector: s.selector,
    ports: s.ports.map((p) => ({
      name: p.name,
      protocol: p.protocol,
      port: p.port,
      targetPort: p.targetPort ?? p.port,
      nodePort: p.nodePort ?? 0,
    })),
    externalIPs: s.externalIPs,
    externalName: '',
    sessionAffinity: s.sessionAffinity ?? 'None',
    sessionAffinityTimeoutSeconds: s.sessionAffinityTimeoutSeconds ?? 10800,
    externalTrafficPolicy: s.externalTrafficPolicy ?? 'Cluster',
    internalTrafficPolicy: s.internalTrafficPolicy ?? 'Cluster',
    loadBalancerSourceRanges: s.loadBalancerSourceRanges,
    loadBalancerIP: '',
    loadBalancerClass: null,
    healthCheckNodePort: s.healthCheckNodePort ?? 0,
    publishNotReadyAddresses: false,
    ipFamilies: ['IPv4'],
    status: { loadBalancer: { ingress: s.loadBalancerIngress.map((i) => ({ ...i })) } },
    source: noSource,
  };
}

export function toSlice(s: FixtureSlice): EndpointSlice {
  return {
    metadata: {
      namespace: s.namespace,
      name: s.name,
      labels: { 'kubernetes.io/service-name': s.serviceName },
      annotations: {},
    },
    serviceName: s.serviceName,
    addressType: s.addressType,
    ports: s.ports.map((p) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol })),
    endpoints: s.endpoints.map((e) => ({
      addresses: e.addresses,
      conditions: { ready: e.ready, serving: e.serving, terminating: e.terminating },
      nodeName: e.nodeName,
      zone: e.zone ?? null,
      hostname: null,
      hints: e.hints ? { forZones: e.hints.forZones ?? [], forNodes: e.hints.forNodes ?? [] } : null,
      targetRef: null,
    })),
    managedBy: 'test',
    source: noSource,
  };
}

export function fakeNode(fake: FakeProxier, overrides: Partial<KubeProxyNode> = {}): KubeProxyNode {
  return {
    name: fake.nodeName,
    ips: fake.nodeIPs,
    labels: fake.nodeLabels ?? {},
    localDetectorCIDR: fake.localDetector.cidr,
    masqueradeAll: fake.masqueradeAll,
    masqueradeMark: fake.masqueradeMark,
    localhostNodePorts: fake.localhostNodePorts,
    nodePortAddresses: fake.nodePortAddresses ?? [],
    randomFully: fake.hasRandomFully,
    conntrackTCPBeLiberal: fake.conntrackTCPLiberal,
    kubernetesVersion: '1.33',
    ...overrides,
  };
}

/** Upstream's assertIPTablesChainEqual input: the raw rule lines of one chain, each + '\n'. */
export function chainRules(restoreInput: string, table: string, chain: string): string {
  let current = '';
  const out: string[] = [];
  for (const line of restoreInput.split('\n')) {
    if (line.startsWith('*')) current = line.slice(1);
    else if (current === table && line.startsWith(`-A ${chain} `)) out.push(line + '\n');
  }
  return out.join('');
}

export const nftablesFixtureDir = join(repoRoot(), 'test', 'fixtures', 'conformance', 'nftables');

export function loadNftablesFixture<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(join(nftablesFixtureDir, `${name}.json`), 'utf8')) as T;
}

/** NewFakeProxier of pkg/proxy/nftables (its fixture fields). */
export interface NftablesFakeProxier {
  nodeName: string;
  nodeIPs: string[];
  localDetector: { cidr: string };
  serviceCIDRs: string;
  masqueradeMark: string;
  masqueradeAll: boolean;
  nodePortAddresses: string[];
  nodeLabels?: Record<string, string>;
}
