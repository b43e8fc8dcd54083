// Resource attacks on the engine: each builds a hostile workspace. Shared by the
// measuring script (resources.ts, full size) and the unit tests (scaled down).
import type { WorkspaceInput } from '../../src/engine';

export interface Attack {
  name: string;
  /** What kubepath is expected to do with it. */
  expected: string;
  input: () => WorkspaceInput;
  /** A node's iptables-save text the trace walks instead of the generated rules. */
  iptablesSave?: () => string;
}

const PROFILE_8 = {
  path: 'kubepath.cluster.yaml',
  // A pod range outside the /8 (the default 10.244.0.0/16 would overlap it: a profile error).
  text: 'apiVersion: kubepath.dev/v1alpha1\nkind: ClusterProfile\nserviceCIDR: 10.0.0.0/8\npodCIDR: 172.16.0.0/16\n',
};

export function billionLaughs(levels = 9): string {
  let s = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lol}\ndata:\n  a0: &a0 "lol"\n';
  for (let i = 1; i <= levels; i++) {
    s += `  a${i}: &a${i} [${Array.from({ length: 9 }, () => `*a${i - 1}`).join(', ')}]\n`;
  }
  return s;
}

export function bigFile(bytes: number): string {
  const parts = ['apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n'];
  let n = parts[0]!.length;
  for (let i = 0; n < bytes; i++) {
    const line = `  key${i}: "${'v'.repeat(80)}"\n`;
    parts.push(line);
    n += line.length;
  }
  return parts.join('');
}

export function manyDocuments(count: number): string {
  const parts: string[] = [];
  for (let i = 0; i < count; i++) parts.push(`apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c${i}}\n`);
  return parts.join('---\n');
}

export function deepFlow(depth: number, open = '['): string {
  return `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\ndata: ${open.repeat(depth)}\n`;
}

export function deepBlock(depth: number): string {
  return `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\ndata:\n  x:\n${'- '.repeat(depth)}x\n`;
}

export function hugeReplicas(replicas: number): string {
  return `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: huge}\nspec:\n  replicas: ${replicas}\n  selector: {matchLabels: {app: huge}}\n  template:\n    metadata: {labels: {app: huge}}\n    spec: {containers: [{name: c, image: nginx, ports: [{containerPort: 80}]}]}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: huge}\nspec: {selector: {app: huge}, ports: [{port: 80}]}\n`;
}

/** `count` Services with explicit clusterIPs spread over a /8 (skipping .0 and the `kubernetes` Service's .1). */
export function explicitClusterIPs(count: number): string {
  const parts: string[] = [];
  for (let i = 0; i < count; i++) {
    const n = i * 1601 + 2;
    parts.push(
      `apiVersion: v1\nkind: Service\nmetadata: {name: s${i}}\nspec:\n  clusterIP: 10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}\n  selector: {app: s${i}}\n  ports: [{port: 80}]\n`,
    );
  }
  return parts.join('---\n');
}

export const ATTACKS: Attack[] = [
  {
    name: 'billion laughs (9 levels of 9 aliases)',
    expected: 'yaml-syntax error naming maxAliasCount; nothing expanded',
    input: () => ({ files: [{ path: 'bomb.yaml', text: billionLaughs() }] }),
  },
  {
    name: '50 MB file',
    expected: 'file-too-large error (maxFileBytes 20 MiB); not parsed',
    input: () => ({ files: [{ path: 'big.yaml', text: bigFile(50 * 1024 * 1024) }] }),
  },
  {
    name: '19 MB file (just under maxFileBytes)',
    expected: 'parsed: one ConfigMap',
    input: () => ({ files: [{ path: 'big.yaml', text: bigFile(19 * 1024 * 1024) }] }),
  },
  {
    name: '100,000-document file',
    expected: 'file-too-large info; first 20,000 (maxDocuments) parsed, rest not',
    input: () => ({ files: [{ path: 'docs.yaml', text: manyDocuments(100_000) }] }),
  },
  {
    name: '100,000 nested [',
    expected: 'yaml-too-deep warning (maxNestingDepth 256); not parsed',
    input: () => ({ files: [{ path: 'deep.yaml', text: deepFlow(100_000) }] }),
  },
  {
    name: '100,000 nested { (also no quadratic template scan)',
    expected: 'yaml-too-deep warning; not parsed',
    input: () => ({ files: [{ path: 'deep.yaml', text: deepFlow(100_000, '{') }] }),
  },
  {
    name: '100,000 nested "- " on one line',
    expected: 'yaml-too-deep warning; not parsed',
    input: () => ({ files: [{ path: 'deep.yaml', text: deepBlock(100_000) }] }),
  },
  {
    name: 'Deployment with replicas: 100000000',
    expected: 'workload-replicas-capped info; 1,000 pods modelled',
    input: () => ({ files: [{ path: 'huge.yaml', text: hugeReplicas(100_000_000) }] }),
  },
  {
    name: 'profile with 100,000 nodes',
    expected: 'profile-too-large error (5,000 nodes, 2 MiB); built-in cluster; not parsed',
    input: () => ({
      files: [{ path: 'svc.yaml', text: hugeReplicas(3) }],
      profile: { path: 'kubepath.cluster.yaml', text: manyNodesProfile(100_000) },
    }),
  },
  {
    name: 'iptables-save dump with 2^64 paths (trace --iptables-save)',
    expected: 'trace truncated after about 2,500 branches, outcome no-route, a note',
    input: () => ({ files: [{ path: 'svc.yaml', text: hugeReplicas(3) }] }),
    iptablesSave: () => branchingDump(64),
  },
  {
    name: '/8 serviceCIDR, 10,000 explicit clusterIPs',
    expected: 'all 10,000 allocated as written, no errors',
    input: () => ({ files: [{ path: 'svcs.yaml', text: explicitClusterIPs(10_000) }], profile: PROFILE_8 }),
  },
];

/** A profile listing `count` nodes, one flow mapping a line. */
export function manyNodesProfile(count: number): string {
  const lines = ['apiVersion: kubepath.dev/v1alpha1', 'kind: ClusterProfile', 'nodes:'];
  for (let i = 0; i < count; i++)
    lines.push(`  - {name: node-${i}, ip: 172.${16 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}}`);
  return `${lines.join('\n')}\n`;
}

/**
 * An iptables-save dump whose chains split on `-m statistic` `levels` times in a row, each
 * split jumping on to the next chain either way: 2^levels paths to one DNAT.
 */
export function branchingDump(levels: number): string {
  const lines = ['*nat', ':PREROUTING ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', ':POSTROUTING ACCEPT [0:0]'];
  for (let i = 0; i <= levels; i++) lines.push(`:A${i} - [0:0]`);
  lines.push('-A PREROUTING -j A0', '-A OUTPUT -j A0');
  for (let i = 0; i < levels; i++) {
    lines.push(`-A A${i} -m statistic --mode random --probability 0.5 -j A${i + 1}`, `-A A${i} -j A${i + 1}`);
  }
  lines.push(`-A A${levels} -p tcp -j DNAT --to-destination 10.244.1.5:80`, 'COMMIT', '');
  return lines.join('\n');
}
