// Reads a pod template (or a Pod) out of a loaded object, tolerating wrong types.
import type { Container, ContainerPort, Labels, LoadedObject, SourceRange } from '../model';
import { isPlainObject, rangeAt } from '../model';

export interface PodTemplateInfo {
  labels: Labels;
  annotations: Labels;
  containers: Container[];
  nodeName: string;
  nodeSelector: Labels;
  hostname: string;
  subdomain: string;
  /** Range of the template (or the Pod document). */
  source: SourceRange;
  /** Range of `metadata.labels` in the template, for navigation from selectors. */
  labelsSource: SourceRange;
  /** Path of the template inside its object, e.g. ['spec', 'template']. */
  path: (string | number)[];
}

export function readStringMap(value: unknown): Labels {
  if (!isPlainObject(value)) return {};
  // fromEntries defines own properties: a `__proto__` key stays a key (an assignment would drop it).
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')
      .map(([k, v]) => [k, String(v)]),
  );
}

function get(value: unknown, key: string): unknown {
  return isPlainObject(value) ? value[key] : undefined;
}

export function readPodTemplate(object: LoadedObject, path: (string | number)[]): PodTemplateInfo {
  let template: unknown = object.raw;
  for (const segment of path) template = typeof segment === 'string' ? get(template, segment) : undefined;
  const metadata = get(template, 'metadata');
  const spec = get(template, 'spec');
  const containers: Container[] = [];
  const readContainers = (key: 'containers' | 'initContainers'): void => {
    const list = get(spec, key);
    if (!Array.isArray(list)) return;
    list.forEach((c, ci) => {
      if (!isPlainObject(c)) return;
      const sidecar = key === 'initContainers' && c['restartPolicy'] === 'Always';
      if (key === 'initContainers' && !sidecar) return;
      const cPath = [...path, 'spec', key, ci];
      const ports: ContainerPort[] = [];
      const rawPorts = c['ports'];
      if (Array.isArray(rawPorts)) {
        rawPorts.forEach((p, pi) => {
          if (!isPlainObject(p)) return;
          const portPath = [...cPath, 'ports', pi];
          const number =
            typeof p['containerPort'] === 'number' ? p['containerPort'] : Number(p['containerPort']);
          // The API server's answer to a bad port is validation's (apiserver/workloadValidation.ts);
          // a port that is not one is not modelled.
          if (!Number.isInteger(number) || number < 1 || number > 65535) return;
          const protocol = p['protocol'];
          ports.push({
            name: typeof p['name'] === 'string' ? p['name'] : '',
            containerPort: number,
            protocol: protocol === 'UDP' || protocol === 'SCTP' ? protocol : 'TCP',
            source: rangeAt(object, portPath),
          });
        });
      }
      containers.push({
        name: typeof c['name'] === 'string' ? c['name'] : `container-${ci}`,
        ports,
        sidecar,
        source: rangeAt(object, cPath),
      });
    });
  };
  readContainers('containers');
  readContainers('initContainers');
  return {
    labels: readStringMap(get(metadata, 'labels')),
    annotations: readStringMap(get(metadata, 'annotations')),
    containers,
    nodeName: typeof get(spec, 'nodeName') === 'string' ? (get(spec, 'nodeName') as string) : '',
    nodeSelector: readStringMap(get(spec, 'nodeSelector')),
    hostname: typeof get(spec, 'hostname') === 'string' ? (get(spec, 'hostname') as string) : '',
    subdomain: typeof get(spec, 'subdomain') === 'string' ? (get(spec, 'subdomain') as string) : '',
    source: rangeAt(object, path),
    labelsSource: rangeAt(object, [...path, 'metadata', 'labels']),
    path,
  };
}
