// Position → the Kubernetes thing under the cursor, for hover, CodeLens, navigation and
// completion. Which Services select what, and where a port lands, is the engine's answer
// (`selection`, `servicesSelecting`); this module only finds what the cursor is on.
// No vscode: positions are 1-based like the engine's SourceRange.
import type { Analysis } from '../engine';
import type { ContainerPort, LoadedObject, ServiceState, SourceRange, WorkloadState } from '../engine/model';
import { engine } from './engineLoader';

export interface Position1 {
  line: number;
  column: number;
}

export type Target =
  | { kind: 'service'; object: LoadedObject; service: ServiceState; portIndex: number | null; path: string }
  | { kind: 'workload'; object: LoadedObject; workload: WorkloadState | null; path: string }
  | {
      kind: 'containerPort';
      object: LoadedObject;
      workload: WorkloadState | null;
      containerIndex: number;
      portIndex: number;
      path: string;
    }
  | { kind: 'selectorLabel'; object: LoadedObject; service: ServiceState; key: string; path: string }
  | { kind: 'targetPort'; object: LoadedObject; service: ServiceState; portIndex: number; path: string }
  | { kind: 'operator'; object: LoadedObject; path: string };

export function contains(range: SourceRange, pos: Position1): boolean {
  const afterStart = pos.line > range.line || (pos.line === range.line && pos.column >= range.column);
  const beforeEnd = pos.line < range.endLine || (pos.line === range.endLine && pos.column <= range.endColumn);
  return afterStart && beforeEnd;
}

function size(range: SourceRange): number {
  return (range.endLine - range.line) * 100000 + (range.endColumn - range.column);
}

/** The object in `file` whose range holds `pos`. */
export function objectAt(analysis: Analysis, file: string, pos: Position1): LoadedObject | undefined {
  let best: LoadedObject | undefined;
  for (const object of analysis.objects) {
    if (object.file !== file || !contains(object.range, pos)) continue;
    if (!best || size(object.range) < size(best.range)) best = object;
  }
  return best;
}

/** The most specific field path (value or key range) under `pos`, or '' for the object itself. */
export function fieldPathAt(object: LoadedObject, pos: Position1): string {
  let best = '';
  let bestSize = Infinity;
  for (const map of [object.ranges, object.keyRanges]) {
    for (const [path, range] of map) {
      if (!contains(range, pos)) continue;
      const s = size(range);
      if (s < bestSize || (s === bestSize && path.length > best.length)) {
        best = path;
        bestSize = s;
      }
    }
  }
  return best;
}

export function serviceFor(analysis: Analysis, object: LoadedObject): ServiceState | undefined {
  const candidates = analysis.services.filter(
    (s) => s.service.metadata.namespace === object.namespace && s.service.metadata.name === object.name,
  );
  return (
    candidates.find((s) => s.source.file === object.file && s.source.line === object.range.line) ??
    candidates[0]
  );
}

/** What the cursor is on, or undefined for text kubepath has nothing to say about. */
export function targetAt(analysis: Analysis, file: string, pos: Position1): Target | undefined {
  const object = objectAt(analysis, file, pos);
  if (!object) return undefined;
  const path = fieldPathAt(object, pos);
  if (object.kind === 'Service') {
    const service = serviceFor(analysis, object);
    if (!service) return undefined;
    const port = /^spec\.ports\[(\d+)\](?:\.(\w+))?/.exec(path);
    if (port) {
      const portIndex = Number(port[1]);
      if (port[2] === 'targetPort') return { kind: 'targetPort', object, service, portIndex, path };
      return { kind: 'service', object, service, portIndex, path };
    }
    const selector = /^spec\.selector\.(?:([^.[\]]+)|\['(.+)'\])$/.exec(path);
    if (selector) {
      return { kind: 'selectorLabel', object, service, key: selector[1] ?? selector[2] ?? '', path };
    }
    if (/^(metadata\.name|kind|spec\.type|spec\.selector|spec\.ports|spec\.clusterIP)$/.test(path)) {
      return { kind: 'service', object, service, portIndex: null, path };
    }
    return undefined;
  }
  if (
    object.apiVersion === 'monitoring.coreos.com/v1' &&
    (object.kind === 'Prometheus' || object.kind === 'Alertmanager')
  ) {
    // The fields that decide what prometheus-operator creates.
    if (/^(kind|metadata\.name|spec\.(replicas|shards|serviceName|portName))$/.test(path))
      return { kind: 'operator', object, path };
    return undefined;
  }
  if (engine().POD_TEMPLATE_KINDS.has(object.kind)) {
    const workload = engine().workloadOf(analysis, object) ?? null;
    const containerPort = /containers\[(\d+)\]\.ports\[(\d+)\]/.exec(path);
    if (containerPort) {
      return {
        kind: 'containerPort',
        object,
        workload,
        containerIndex: Number(containerPort[1]),
        portIndex: Number(containerPort[2]),
        path,
      };
    }
    if (/^(metadata\.name|kind)$|template\.metadata\.labels|^metadata\.labels|^spec\.selector/.test(path)) {
      return { kind: 'workload', object, workload, path };
    }
  }
  return undefined;
}

/**
 * The container port under the cursor: found by source range in the workload's predicted
 * pod (sidecars make list indexes unreliable), else by the containers[i].ports[j] indexes.
 */
export function containerPortAt(
  workload: WorkloadState | null,
  file: string,
  pos: Position1,
  containerIndex: number,
  portIndex: number,
): ContainerPort | undefined {
  const pod = workload?.pods[0];
  if (!pod) return undefined;
  for (const container of pod.containers) {
    for (const cp of container.ports) {
      if (cp.source.file === file && contains(cp.source, pos)) return cp;
    }
  }
  return pod.containers.filter((c) => !c.sidecar)[containerIndex]?.ports[portIndex];
}

/** Field path prefix of the pod template inside a workload object. */
export function templatePathOf(object: LoadedObject): string {
  if (object.kind === 'Pod') return '';
  if (object.kind === 'CronJob') return 'spec.jobTemplate.spec.template.';
  return 'spec.template.';
}
