// Deterministic synthetic workspaces for the benchmarks: N Service + Deployment
// pairs spread over namespaces, with the mix a platform monorepo has (ClusterIP,
// NodePort, LoadBalancer, headless; named and numeric targetPorts; multi-port;
// a few selector typos and undeclared target ports), plus one large multi-document
// file. Same seed → same bytes.
import type { WorkspaceFile } from '../src/engine';

/** mulberry32: small, fast, good enough for choosing shapes. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface GeneratedWorkspace {
  name: string;
  files: WorkspaceFile[];
  profile: WorkspaceFile;
  pairs: number;
  bytes: number;
}

/**
 * A cluster big enough for 10,000 pairs: six nodes with a /16 of pod addresses each
 * and a /15 load-balancer pool, so nothing runs out and every finding is about the YAML.
 */
export function benchProfile(): WorkspaceFile {
  const nodes = [1, 2, 3, 4, 5, 6]
    .map((i) => `  - { name: node-${i}, ip: 172.18.0.${i + 1}, podCIDR: 100.${63 + i}.0.0/16 }`)
    .join('\n');
  return {
    path: 'kubepath.cluster.yaml',
    text: `apiVersion: kubepath.dev/v1alpha1
kind: ClusterProfile
serviceCIDR: 10.96.0.0/16
podCIDR: 100.64.0.0/10
clusterDomain: cluster.local
nodePortRange: 30000-32767
nodes:
${nodes}
cloud:
  provider: generic
  loadBalancerIPPool: 198.18.0.0/15
`,
  };
}

interface PortShape {
  name: string;
  port: number;
  containerPort: number;
  /** What the Service writes as targetPort. */
  target: string | number;
}

const APP_PORTS: { name: string; port: number; containerPort: number }[] = [
  { name: 'http', port: 80, containerPort: 8080 },
  { name: 'grpc', port: 9000, containerPort: 9000 },
  { name: 'metrics', port: 9090, containerPort: 9090 },
  { name: 'admin', port: 8081, containerPort: 8081 },
];

/** The two documents of pair `i` (a Service and its Deployment) as YAML text. */
export function pairYaml(i: number, namespaceCount: number, random: () => number): string {
  const ns = `team-${String(i % namespaceCount).padStart(3, '0')}`;
  const name = `app-${String(i).padStart(5, '0')}`;
  const roll = random();
  // Node ports are a scarce cluster-wide resource (2,768): keep NodePort + LoadBalancer rare.
  const type = roll < 0.08 ? 'NodePort' : roll < 0.13 ? 'LoadBalancer' : 'ClusterIP';
  const headless = type === 'ClusterIP' && random() < 0.06;
  const portCount = random() < 0.6 ? 1 : random() < 0.7 ? 2 : 3;
  const ports: PortShape[] = APP_PORTS.slice(0, portCount).map((p) => ({
    ...p,
    target: random() < 0.5 ? p.name : p.containerPort,
  }));
  const selectorTypo = random() < 0.03;
  const undeclaredPort = random() < 0.02;
  if (undeclaredPort && ports[0]) ports[0].target = ports[0].containerPort + 1;
  const replicas = 1 + Math.floor(random() * 3);
  const selectorValue = selectorTypo ? name.replace('app-', 'ap-') : name;
  const lines: string[] = [
    'apiVersion: v1',
    'kind: Service',
    'metadata:',
    `  name: ${name}`,
    `  namespace: ${ns}`,
    '  labels:',
    `    app.kubernetes.io/name: ${name}`,
    `    app.kubernetes.io/part-of: ${ns}`,
    '  annotations:',
    `    kubepath.dev/owner: "${ns}@example.com"`,
    'spec:',
  ];
  if (type !== 'ClusterIP') lines.push(`  type: ${type}`);
  if (headless) lines.push('  clusterIP: None');
  lines.push('  selector:', `    app.kubernetes.io/name: ${selectorValue}`, '  ports:');
  for (const p of ports) {
    lines.push(`    - name: ${p.name}`, `      port: ${p.port}`, `      targetPort: ${p.target}`);
    if (p.name === 'grpc') lines.push('      appProtocol: grpc');
  }
  lines.push(
    '---',
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    `  name: ${name}`,
    `  namespace: ${ns}`,
    '  labels:',
    `    app.kubernetes.io/name: ${name}`,
    `    app.kubernetes.io/part-of: ${ns}`,
    'spec:',
    `  replicas: ${replicas}`,
    '  selector:',
    '    matchLabels:',
    `      app.kubernetes.io/name: ${name}`,
    '  template:',
    '    metadata:',
    '      labels:',
    `        app.kubernetes.io/name: ${name}`,
    `        app.kubernetes.io/part-of: ${ns}`,
    '      annotations:',
    '        prometheus.io/scrape: "true"',
    '    spec:',
    '      containers:',
    '        - name: app',
    `          image: registry.example.com/${ns}/${name}:1.0.0`,
    '          ports:',
  );
  for (const p of APP_PORTS.slice(0, portCount)) {
    lines.push(`            - name: ${p.name}`, `              containerPort: ${p.containerPort}`);
  }
  lines.push(
    '          env:',
    '            - name: LOG_LEVEL',
    '              value: info',
    '            - name: POD_NAME',
    '              valueFrom:',
    '                fieldRef:',
    '                  fieldPath: metadata.name',
    '          readinessProbe:',
    '            httpGet:',
    '              path: /healthz',
    `              port: ${ports[0]?.containerPort ?? 8080}`,
    '            periodSeconds: 10',
    '          resources:',
    '            requests:',
    '              cpu: 100m',
    '              memory: 128Mi',
    '            limits:',
    '              memory: 256Mi',
  );
  return lines.join('\n') + '\n';
}

/** `pairs` Service + Deployment pairs, one file per pair, ~25 pairs per namespace. */
export function generateWorkspace(pairs: number, seed = 9): GeneratedWorkspace {
  const random = prng(seed);
  const namespaceCount = Math.max(1, Math.ceil(pairs / 25));
  const files: WorkspaceFile[] = [];
  for (let i = 0; i < pairs; i++) {
    const ns = `team-${String(i % namespaceCount).padStart(3, '0')}`;
    files.push({
      path: `deploy/${ns}/app-${String(i).padStart(5, '0')}.yaml`,
      text: pairYaml(i, namespaceCount, random),
    });
  }
  return finish(`${pairs} pairs`, files, pairs);
}

/** One multi-document file of at least `bytes` bytes (rendered Helm output, a kustomize build). */
export function generateLargeFile(bytes: number, seed = 5): GeneratedWorkspace {
  const random = prng(seed);
  const docs: string[] = [];
  let size = 0;
  let pairs = 0;
  // Namespace count as if for the final pair count (~1.6 KB per pair).
  const namespaceCount = Math.max(1, Math.ceil(bytes / 1600 / 25));
  while (size < bytes) {
    const text = pairYaml(pairs, namespaceCount, random);
    docs.push(text);
    size += text.length + 4;
    pairs++;
  }
  return finish(
    `${(bytes / 2 ** 20).toFixed(0)} MB file`,
    [{ path: 'rendered/all.yaml', text: docs.join('---\n') }],
    pairs,
  );
}

function finish(name: string, files: WorkspaceFile[], pairs: number): GeneratedWorkspace {
  const bytes = files.reduce((sum, f) => sum + f.text.length, 0);
  return { name, files, profile: benchProfile(), pairs, bytes };
}

/**
 * Edit number `k` on a file of pair text: one line changes, the way a person edits —
 * bump the image tag (a rollout: new template hash, new pod names and IPs), change
 * the replica count, or change a Service port.
 */
export function editOneLine(text: string, k: number): string {
  switch (k % 3) {
    case 0:
      return text.replace(
        /(image: \S+:1\.0\.)(\d+)/,
        (_, head: string, n: string) => `${head}${Number(n) + 1}`,
      );
    case 1:
      return text.replace(/replicas: (\d+)/, (_, n: string) => `replicas: ${(Number(n) % 3) + 1}`);
    default:
      return text.replace(
        /\n {6}port: (\d+)\n/,
        (_, n: string) => `\n      port: ${Number(n) === 80 ? 81 : 80}\n`,
      );
  }
}
