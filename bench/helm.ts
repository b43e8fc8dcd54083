// A large Helm chart for the bench, written as real charts are: `helm create`'s helpers in
// _helpers.tpl (name, fullname, labels, selectorLabels), per component a Deployment, a Service
// and a ConfigMap using include, toYaml, with, range, default, quote and nindent, and
// subcharts with their own values overridden from the parent, plus globals.
import type { WorkspaceFile } from '../src/engine';

const HELPERS = (chart: string): string => `{{/* Expand the name of the chart. */}}
{{- define "${chart}.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "${chart}.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "${chart}.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "${chart}.selectorLabels" -}}
app.kubernetes.io/name: {{ include "${chart}.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "${chart}.labels" -}}
helm.sh/chart: {{ include "${chart}.chart" .root }}
{{ include "${chart}.selectorLabels" . }}
{{- if .root.Chart.AppVersion }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
{{- end }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
{{- with .root.Values.global.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}
`;

const DEPLOYMENT = (chart: string, c: string): string => `{{- $c := index .Values.components "${c}" }}
{{- if $c.enabled }}
{{- $ctx := dict "root" . "component" "${c}" }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "${chart}.fullname" . }}-${c}
  labels:
    {{- include "${chart}.labels" $ctx | nindent 4 }}
spec:
  replicas: {{ $c.replicas | default 1 }}
  selector:
    matchLabels:
      {{- include "${chart}.selectorLabels" $ctx | nindent 6 }}
  template:
    metadata:
      {{- with $c.podAnnotations }}
      annotations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      labels:
        {{- include "${chart}.selectorLabels" $ctx | nindent 8 }}
    spec:
      containers:
        - name: ${c}
          image: "{{ $c.image.repository }}:{{ $c.image.tag | default .Chart.AppVersion }}"
          imagePullPolicy: {{ $c.image.pullPolicy | default "IfNotPresent" }}
          ports:
            {{- range $c.ports }}
            - name: {{ .name }}
              containerPort: {{ .containerPort }}
              protocol: {{ .protocol | default "TCP" }}
            {{- end }}
          env:
            - name: REGION
              value: {{ .Values.global.region | quote }}
            {{- range $k, $v := $c.env }}
            - name: {{ $k }}
              value: {{ $v | quote }}
            {{- end }}
          {{- with $c.resources }}
          resources:
            {{- toYaml . | nindent 12 }}
          {{- end }}
{{- end }}
`;

const SERVICE = (chart: string, c: string): string => `{{- $c := index .Values.components "${c}" }}
{{- if $c.enabled }}
{{- $ctx := dict "root" . "component" "${c}" }}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "${chart}.fullname" . }}-${c}
  labels:
    {{- include "${chart}.labels" $ctx | nindent 4 }}
spec:
  type: {{ $c.service.type | default "ClusterIP" }}
  ports:
    {{- range $c.ports }}
    - port: {{ .port }}
      targetPort: {{ .name }}
      protocol: {{ .protocol | default "TCP" }}
      name: {{ .name }}
    {{- end }}
  selector:
    {{- include "${chart}.selectorLabels" $ctx | nindent 4 }}
{{- end }}
`;

const CONFIGMAP = (chart: string, c: string): string => `{{- $c := index .Values.components "${c}" }}
{{- if $c.enabled }}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "${chart}.fullname" . }}-${c}-config
  labels:
    {{- include "${chart}.labels" (dict "root" . "component" "${c}") | nindent 4 }}
data:
  {{- range $k, $v := $c.config }}
  {{ $k }}: {{ tpl (toString $v) $ | quote }}
  {{- end }}
{{- end }}
`;

function componentValues(c: string, i: number): string {
  return `  ${c}:
    enabled: true
    replicas: ${(i % 3) + 1}
    image:
      repository: registry.example/${c}
      tag: "1.${i}.0"
    podAnnotations:
      prometheus.io/scrape: "true"
      prometheus.io/port: "9090"
    ports:
      - name: http
        port: 80
        containerPort: 8080
      - name: metrics
        port: 9090
        containerPort: 9090
    env:
      LOG_LEVEL: info
      COMPONENT: ${c}
      POOL_SIZE: "${(i % 8) + 2}"
    service:
      type: ClusterIP
    resources:
      limits:
        cpu: 500m
        memory: 256Mi
      requests:
        cpu: 100m
        memory: 128Mi
    config:
      endpoint: "http://{{ .Release.Name }}-${c}:80"
      retries: 3
`;
}

function chartFiles(
  dir: string,
  chart: string,
  components: readonly string[],
  extraValues = '',
): WorkspaceFile[] {
  const files: WorkspaceFile[] = [
    {
      path: `${dir}/Chart.yaml`,
      text: `apiVersion: v2\nname: ${chart}\nversion: 1.2.3\nappVersion: "4.5.6"\ntype: application\n`,
    },
    { path: `${dir}/templates/_helpers.tpl`, text: HELPERS(chart) },
    {
      path: `${dir}/values.yaml`,
      text: `nameOverride: ""\nfullnameOverride: ""\n${extraValues}components:\n${components.map(componentValues).join('')}`,
    },
  ];
  for (const c of components) {
    files.push({ path: `${dir}/templates/${c}/deployment.yaml`, text: DEPLOYMENT(chart, c) });
    files.push({ path: `${dir}/templates/${c}/service.yaml`, text: SERVICE(chart, c) });
    files.push({ path: `${dir}/templates/${c}/configmap.yaml`, text: CONFIGMAP(chart, c) });
  }
  return files;
}

/** The chart in `platform/`: `components` in the root chart, and `subcharts` of `perSubchart` components each. */
export function helmChart(components = 18, subcharts = 3, perSubchart = 6): WorkspaceFile[] {
  const names = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
  const subs = names('sub', subcharts);
  const overrides = subs.map((s) => `${s}:\n  components:\n    ${s}c0:\n      replicas: 4\n`).join('');
  const files = chartFiles(
    'platform',
    'platform',
    names('svc', components),
    `global:\n  region: eu-west-1\n  commonLabels:\n    team: platform\n${overrides}`,
  );
  files[0] = {
    path: 'platform/Chart.yaml',
    text: `${files[0]!.text}dependencies:\n${subs.map((s) => `  - name: ${s}\n    version: 1.2.3\n`).join('')}`,
  };
  for (const s of subs)
    files.push(
      ...chartFiles(`platform/charts/${s}`, s, names(`${s}c`, perSubchart), 'global:\n  region: local\n'),
    );
  return files;
}
