// The upstream full-dump cases through the user's path: Services and EndpointSlices
// written as manifests, the fake node as a cluster profile, `kubepath iptables
// --restore-input --node test-node`, canonical order, byte for byte.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { iptablesCommand } from '../../src/cli/commands/iptables';
import type { CliIO } from '../../src/cli/io';
import { sortIPTablesRules } from '../../src/engine/proxy/iptables';
import type { FakeProxier, FixtureService, FixtureSlice } from './proxyFixtures';
import { loadFixture } from './proxyFixtures';

/**
 * Fixture → manifest. Adaptations, none visible to kube-proxy: the LB ingress IP is also
 * written as spec.loadBalancerIP (what the generic cloud controller assigns); a NodePort Service
 * the fake left without a nodePort is written as ClusterIP (the API server would allocate
 * one), and healthCheckNodePort is only written where the API server accepts it (LB + Local).
 */
function serviceManifest(s: FixtureService): object {
  const type =
    s.type === 'NodePort' && s.ports.every((p) => p.nodePort === null)
      ? 'ClusterIP'
      : (s.type ?? 'ClusterIP');
  const spec: Record<string, unknown> = {
    type,
    clusterIP: s.clusterIP,
    ports: s.ports.map((p) => ({
      name: p.name,
      protocol: p.protocol,
      port: p.port,
      ...(p.targetPort !== null ? { targetPort: p.targetPort } : {}),
      ...(p.nodePort !== null ? { nodePort: p.nodePort } : {}),
    })),
  };
  if (s.externalIPs.length > 0) spec['externalIPs'] = s.externalIPs;
  if (s.externalTrafficPolicy) spec['externalTrafficPolicy'] = s.externalTrafficPolicy;
  if (s.internalTrafficPolicy) spec['internalTrafficPolicy'] = s.internalTrafficPolicy;
  if (s.sessionAffinity) spec['sessionAffinity'] = s.sessionAffinity;
  if (s.sessionAffinity === 'ClientIP') {
    spec['sessionAffinityConfig'] = {
      clientIP: { timeoutSeconds: s.sessionAffinityTimeoutSeconds ?? 10800 },
    };
  }
  if (s.loadBalancerSourceRanges.length > 0) spec['loadBalancerSourceRanges'] = s.loadBalancerSourceRanges;
  if (s.healthCheckNodePort !== null && s.type === 'LoadBalancer' && s.externalTrafficPolicy === 'Local') {
    spec['healthCheckNodePort'] = s.healthCheckNodePort;
  }
  if (s.selector) spec['selector'] = s.selector;
  // The decoder does not read status yet; the cloud controller honours loadBalancerIP.
  const lbIP = s.loadBalancerIngress[0]?.ip;
  if (s.type === 'LoadBalancer' && lbIP !== undefined) spec['loadBalancerIP'] = lbIP;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { namespace: s.namespace, name: s.name },
    spec,
    ...(s.loadBalancerIngress.length > 0
      ? { status: { loadBalancer: { ingress: s.loadBalancerIngress } } }
      : {}),
  };
}

function sliceManifest(s: FixtureSlice): object {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      namespace: s.namespace,
      name: s.name,
      labels: { 'kubernetes.io/service-name': s.serviceName },
    },
    addressType: s.addressType,
    ports: s.ports.map((p) => ({
      ...(p.name !== null ? { name: p.name } : {}),
      port: p.port,
      protocol: p.protocol,
    })),
    endpoints: s.endpoints.map((e) => {
      const conditions: Record<string, boolean> = {};
      if (e.ready !== null) conditions['ready'] = e.ready;
      if (e.serving !== null) conditions['serving'] = e.serving;
      if (e.terminating !== null) conditions['terminating'] = e.terminating;
      return { addresses: e.addresses, conditions, ...(e.nodeName !== null ? { nodeName: e.nodeName } : {}) };
    }),
  };
}

function profileYaml(fake: FakeProxier): string {
  const ips = fake.nodeIPs.filter((ip) => !ip.includes(':'));
  return [
    'apiVersion: kubepath.dev/v1alpha1',
    'kind: ClusterProfile',
    'serviceCIDR: 172.30.0.0/16',
    'podCIDR: 10.0.0.0/8',
    // The fixtures use nodePorts like 3001 (the fake has no allocator).
    'nodePortRange: 3000-32767',
    'nodes:',
    `  - { name: ${fake.nodeName}, ips: [${ips.join(', ')}] }`,
    'kubeProxy:',
    '  mode: iptables',
    `  clusterCIDR: ${fake.localDetector.cidr}`,
    `  masqueradeAll: ${fake.masqueradeAll}`,
    // The fake proxier writes the literal mark 0x4000 (kube-proxy itself renders 1<<14 as 0x00004000).
    `  masqueradeMark: "${fake.masqueradeMark}"`,
    `  localhostNodePorts: ${fake.localhostNodePorts}`,
    '  nodePortAddresses: []',
    `  randomFully: ${fake.hasRandomFully}`,
    `  conntrackTCPBeLiberal: ${fake.conntrackTCPLiberal}`,
    'kubernetesVersion: "1.33"',
    'cloud: { provider: generic, loadBalancerIPPool: 203.0.113.0/24 }',
    '',
  ].join('\n');
}

async function runCase(
  fake: FakeProxier,
  services: FixtureService[],
  slices: FixtureSlice[],
): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'kubepath-iptables-'));
  try {
    // JSON documents are YAML documents.
    const docs = [...services.map(serviceManifest), ...slices.map(sliceManifest)].map((d) =>
      JSON.stringify(d, null, 2),
    );
    writeFileSync(join(dir, 'manifests.yaml'), docs.join('\n---\n') + '\n');
    writeFileSync(join(dir, 'profile.yaml'), profileYaml(fake));
    let stdout = '';
    let stderr = '';
    const io: CliIO = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd: dir };
    const code = await iptablesCommand(
      ['manifests.yaml', '--cluster', 'profile.yaml', '--node', fake.nodeName, '--restore-input'],
      io,
    );
    assert.equal(code, 0, stderr);
    return stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** assertIPTablesRulesEqual trims the expected text's leading whitespace. */
function trimmedExpected(expected: string): string {
  return expected.replace(/^[ \t\n]+/, '');
}

interface Base {
  fakeProxier: FakeProxier;
  services: FixtureService[];
  endpointSlices: FixtureSlice[];
  expectedIptablesSave: string;
}

void describe('conformance via the CLI: kubepath iptables --restore-input --node test-node', () => {
  void it('TestOverallIPTablesRules', async () => {
    const f = loadFixture<Base>('TestOverallIPTablesRules');
    const out = await runCase(f.fakeProxier, f.services, f.endpointSlices);
    assert.equal(sortIPTablesRules(out), trimmedExpected(f.expectedIptablesSave));
  });
  void it('TestSyncProxyRulesRepeated step 1 (the full sync; later steps are partial syncs of a running proxier)', async () => {
    const f = loadFixture<
      Base & {
        steps: {
          servicesAfter: FixtureService[];
          endpointSlicesAfter: FixtureSlice[];
          expectedIptablesSave: string;
        }[];
      }
    >('TestSyncProxyRulesRepeated');
    const step = f.steps[0]!;
    const out = await runCase(f.fakeProxier, step.servicesAfter, step.endpointSlicesAfter);
    assert.equal(sortIPTablesRules(out), trimmedExpected(step.expectedIptablesSave));
  });
});
