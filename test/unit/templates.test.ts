// A file is a template only where templates are (issue 14 item 4): rendered charts that carry
// template text as data are analysed; Helm templates are still skipped, at the marker.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyzeWorkspace } from '../../src/engine';

const rendered = `apiVersion: v1
kind: ConfigMap
metadata: { name: grafana-dashboards }
data:
  pods.json: |
    { "title": "Pods", "legendFormat": "{{ pod }}", "expr": "sum by (pod) (rate(x[5m]))" }
---
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata: { name: alerts }
spec:
  groups:
    - name: web
      rules:
        - alert: Down
          annotations: { summary: "{{ $labels.instance }} is down" }
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  annotations: { description: "pods of {{ .Release.Name }}" }
spec:
  replicas: 2
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec: { containers: [{ name: web, ports: [{ containerPort: 8080 }] }] }
---
apiVersion: v1
kind: Service
metadata: { name: web }
spec: { selector: { app: web }, ports: [{ port: 80, targetPort: 8080 }] }
`;

void test('a rendered chart with dashboards, alert rules and annotations holding {{ }} is analysed in full', () => {
  const a = analyzeWorkspace({ files: [{ path: 'rendered.yaml', text: rendered }] });
  assert.deepEqual(
    a.diagnostics.map((d) => d.code),
    [],
  );
  assert.equal(a.services[0]?.endpointSlices.flatMap((s) => s.endpoints).length, 2);
});

void test('Helm templates stay skipped at the marker that makes them templates', () => {
  const cases: [string, number][] = [
    // Unquoted: YAML reads `{{` as a flow collection.
    ['apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}\n', 4],
    // Quoted, but in a field kubepath models.
    [
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: web }\nspec:\n  template:\n    spec:\n      containers: [{ name: web, image: "{{ .Values.image }}" }]\n',
      7,
    ],
    // Control structures break the YAML.
    ['{{- if .Values.enabled }}\napiVersion: v1\nkind: Service\nmetadata: { name: web }\n{{- end }}\n', 1],
    // Data first, then a templated field: the field decides.
    [
      'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c }\ndata: { a: "{{ x }}" }\n---\napiVersion: v1\nkind: Service\nmetadata: { name: "{{ .Release.Name }}" }\n',
      8,
    ],
  ];
  for (const [text, line] of cases) {
    const a = analyzeWorkspace({ files: [{ path: 't.yaml', text }] });
    assert.deepEqual(
      a.diagnostics.map((d) => [d.code, d.range.line]),
      [['template-skipped', line]],
      text,
    );
    assert.equal(a.objects.length, 0, text);
  }
});

void test('template text in the containers’ commands, arguments, environment and volumes is data', () => {
  // The shape of Online Boutique's otel-collector Deployment (kustomize/components/google-cloud-operations):
  // an init container that substitutes {{PROJECT_ID}} with sed.
  const text = `apiVersion: apps/v1
kind: Deployment
metadata: { name: collector }
spec:
  selector: { matchLabels: { app: collector } }
  template:
    metadata: { labels: { app: collector } }
    spec:
      initContainers:
        - name: init
          command:
            - /bin/sh
            - -c
            - |
              sed "s/{{PROJECT_ID}}/$(cat /id)/" /template/config.yaml >> /conf/config.yaml
      containers:
        - name: collector
          args: ["--config={{ .Config }}"]
          env: [{ name: A, value: "{{ not a template }}" }]
          ports: [{ containerPort: 4317 }]
      volumes:
        - name: conf
          configMap: { name: "{{ data }}" }
---
apiVersion: v1
kind: Service
metadata: { name: collector }
spec: { selector: { app: collector }, ports: [{ port: 4317 }] }
`;
  const a = analyzeWorkspace({ files: [{ path: 'collector.yaml', text }] });
  assert.deepEqual(
    a.diagnostics.map((d) => d.code),
    [],
  );
  assert.equal(a.services[0]?.endpointSlices.flatMap((s) => s.endpoints).length, 1);
  // The same marker in a field kubepath reads (a container port's name) still makes a template.
  const templated = text.replace(
    'ports: [{ containerPort: 4317 }]',
    'ports: [{ name: "{{ .Values.port }}", containerPort: 4317 }]',
  );
  const t = analyzeWorkspace({ files: [{ path: 'collector.yaml', text: templated }] });
  assert.deepEqual(
    t.diagnostics.map((d) => [d.code, d.range.line]),
    [['template-skipped', 20]],
  );
});
