// The HorizontalPodAutoscaler with no metrics (issue 14 item 3): reconcileAutoscaler's
// branches before it asks for metrics, applied to the target before its pods are made.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyzeWorkspace, createWorkspaceAnalyzer } from '../../src/engine';
import { autoscaledReplicas } from '../../src/engine/reconcile/hpa';

const deployment = (replicas: string) => `apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
${replicas}  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec: { containers: [{ name: web, ports: [{ containerPort: 8080 }] }] }
---
apiVersion: v1
kind: Service
metadata: { name: web }
spec: { selector: { app: web }, ports: [{ port: 80, targetPort: 8080 }] }
`;

const hpa = (spec: string, apiVersion = 'autoscaling/v2') => `apiVersion: ${apiVersion}
kind: HorizontalPodAutoscaler
metadata: { name: web }
spec:
  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: web }
${spec}`;

function endpoints(files: { path: string; text: string }[]): number {
  const a = analyzeWorkspace({ files });
  return a.services[0]?.endpointSlices.flatMap((s) => s.endpoints).length ?? -1;
}

void test('reconcileAutoscaler without metrics: disabled at 0, clamped to [min, max], else kept', () => {
  assert.deepEqual(
    [
      [0, 1, 5],
      [0, 0, 5],
      [7, 1, 5],
      [1, 3, 5],
      [4, 3, 5],
    ].map(([c, min, max]) => autoscaledReplicas(c as number, min as number, max as number).replicas),
    [0, 0, 5, 3, 4],
  );
});

void test('minReplicas raises the endpoint count, maxReplicas lowers it, with a note saying why', () => {
  assert.equal(endpoints([{ path: 'app.yaml', text: deployment('  replicas: 1\n') }]), 1);
  const raised = [
    { path: 'app.yaml', text: deployment('  replicas: 1\n') },
    { path: 'hpa.yaml', text: hpa('  minReplicas: 3\n  maxReplicas: 10\n') },
  ];
  assert.equal(endpoints(raised), 3);
  const a = analyzeWorkspace({ files: raised });
  const note = a.diagnostics.find((d) => d.code === 'hpa-replicas');
  assert.equal(note?.severity, 'info');
  assert.equal(note?.range.file, 'app.yaml');
  assert.equal(note?.range.line, 5, 'on the replicas line it overrides');
  assert.match(
    note?.message ?? '',
    /^HorizontalPodAutoscaler web \(minReplicas 3, maxReplicas 10\) sets Deployment web at 3 replicas/,
  );
  // replicas omitted: 1 by default, then the HPA decides; v1 too.
  assert.equal(
    endpoints([
      { path: 'app.yaml', text: deployment('') },
      { path: 'hpa.yaml', text: hpa('  minReplicas: 2\n  maxReplicas: 4\n', 'autoscaling/v1') },
    ]),
    2,
  );
  assert.equal(
    endpoints([
      { path: 'app.yaml', text: deployment('  replicas: 9\n') },
      { path: 'hpa.yaml', text: hpa('  maxReplicas: 4\n') },
    ]),
    4,
  );
  // Scaled to zero by hand: the HPA leaves it (ScalingDisabled).
  assert.equal(
    endpoints([
      { path: 'app.yaml', text: deployment('  replicas: 0\n') },
      { path: 'hpa.yaml', text: hpa('  minReplicas: 2\n  maxReplicas: 4\n') },
    ]),
    0,
  );
});

void test('an HPA whose target is missing or whose bounds are invalid says so and scales nothing', () => {
  const missing = analyzeWorkspace({
    files: [
      {
        path: 'hpa.yaml',
        text: hpa('  minReplicas: 2\n  maxReplicas: 4\n').replace('name: web }', 'name: wbe }'),
      },
    ],
  });
  assert.deepEqual(
    missing.diagnostics.map((d) => [d.code, d.severity, d.range.line]),
    [['hpa-target-not-found', 'warning', 5]],
  );
  const inverted = analyzeWorkspace({
    files: [
      { path: 'app.yaml', text: deployment('  replicas: 1\n') },
      { path: 'hpa.yaml', text: hpa('  minReplicas: 5\n  maxReplicas: 2\n') },
    ],
  });
  assert.deepEqual(
    inverted.diagnostics.filter((d) => d.code.startsWith('hpa')).map((d) => d.code),
    ['hpa-invalid'],
  );
  assert.equal(inverted.pods.length, 1);
});

void test('incremental analysis follows HPA edits exactly as a fresh analysis does', () => {
  const incremental = createWorkspaceAnalyzer();
  const steps: [string, string][] = [
    ['app.yaml', deployment('  replicas: 1\n')],
    ['hpa.yaml', hpa('  minReplicas: 3\n  maxReplicas: 10\n')],
    ['hpa.yaml', hpa('  minReplicas: 2\n  maxReplicas: 10\n')],
    ['app.yaml', deployment('  replicas: 12\n')],
    ['hpa.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: x }\n'],
  ];
  const files = new Map<string, string>();
  const counts: number[] = [];
  for (const [path, text] of steps) {
    files.set(path, text);
    incremental.setFile(path, text);
    const got = incremental.analyze();
    const fresh = analyzeWorkspace({ files: [...files].map(([p, t]) => ({ path: p, text: t })) });
    assert.deepEqual(
      got.pods.map((p) => p.metadata.name),
      fresh.pods.map((p) => p.metadata.name),
    );
    assert.deepEqual(got.diagnostics, fresh.diagnostics);
    counts.push(got.pods.length);
  }
  assert.deepEqual(counts, [1, 3, 2, 10, 12]);
});
