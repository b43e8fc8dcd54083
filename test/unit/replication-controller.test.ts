// ReplicationControllers (core/v1) are workloads: the replication manager creates
// `replicas` pods named `<rc>-<suffix>` with the template's labels, the selector defaults
// to those labels (SetDefaults_ReplicationController), ValidateReplicationControllerSpec
// refuses a selector the template does not match, and an HPA can scale one. The shape of
// kubernetes/examples' guestbook-go (web/guestbook-go/*-controller.yaml).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyzeWorkspace } from '../../src/engine';

const rc = (selector: string, replicas = 3): string => `kind: ReplicationController
apiVersion: v1
metadata:
  name: guestbook
spec:
  replicas: ${replicas}
${selector}  template:
    metadata:
      labels:
        app: guestbook
    spec:
      containers:
        - name: guestbook
          image: registry.k8s.io/guestbook:v3
          ports:
            - name: http-server
              containerPort: 3000
`;
const SERVICE = `kind: Service
apiVersion: v1
metadata:
  name: guestbook
spec:
  ports:
    - port: 3000
      targetPort: http-server
  selector:
    app: guestbook
`;

const endpoints = (text: string): string[] => {
  const a = analyzeWorkspace({
    files: [
      { path: 'rc.yaml', text },
      { path: 'svc.yaml', text: SERVICE },
    ],
  });
  return (a.services[0]?.endpointSlices ?? []).flatMap((s) =>
    s.endpoints.map((e) => e.targetRef?.name ?? ''),
  );
};

void test('a ReplicationController’s pods are the endpoints of the Service that selects them', () => {
  for (const selector of ['  selector:\n    app: guestbook\n', '']) {
    const a = analyzeWorkspace({
      files: [
        { path: 'rc.yaml', text: rc(selector) },
        { path: 'svc.yaml', text: SERVICE },
      ],
    });
    assert.deepEqual(
      a.diagnostics.filter((d) => d.severity !== 'info'),
      [],
    );
    const names = endpoints(rc(selector));
    assert.equal(names.length, 3, selector);
    for (const n of names) assert.match(n, /^guestbook-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  }
});

void test('a selector the template does not match is refused with the API server’s wording', () => {
  const a = analyzeWorkspace({ files: [{ path: 'rc.yaml', text: rc('  selector:\n    app: other\n') }] });
  const d = a.diagnostics.find((x) => x.code === 'workload-invalid');
  assert.equal(
    d?.message,
    'The ReplicationController "guestbook" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"guestbook"}: `selector` does not match template `labels`',
  );
});

void test('an HPA scales a ReplicationController to its minReplicas', () => {
  const hpa = `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: { name: guestbook }
spec:
  scaleTargetRef: { apiVersion: v1, kind: ReplicationController, name: guestbook }
  minReplicas: 5
  maxReplicas: 10
`;
  const a = analyzeWorkspace({
    files: [
      { path: 'rc.yaml', text: rc('', 2) },
      { path: 'svc.yaml', text: SERVICE },
      { path: 'hpa.yaml', text: hpa },
    ],
  });
  assert.equal(a.services[0]?.endpointSlices.flatMap((s) => s.endpoints).length, 5);
  assert.ok(a.diagnostics.some((d) => d.code === 'hpa-replicas'));
});
