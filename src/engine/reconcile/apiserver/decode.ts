// What the API server's JSON decoder does with a v1 Service before anything
// else: wrong JSON types are "cannot unmarshal" errors, unknown fields are
// strict-decoding errors (kubectl's default --validate=strict). Decoding keeps
// going after an error so the rest of the object is still modelled.

import { goJsonKind, isPlainObject } from '../../model';

export type Segments = (string | number)[];

export interface V1ServicePort {
  name: string;
  protocol: string;
  appProtocol: string | null;
  port: number;
  /** 0 and '' mean unset (SetDefaults_Service fills in `port`). */
  targetPort: number | string;
  nodePort: number;
}

export interface V1ServiceSpec {
  type: string;
  clusterIP: string;
  clusterIPs: string[];
  ipFamilies: string[];
  ipFamilyPolicy: string | null;
  /** null when absent; an empty selector is treated the same by the controllers. */
  selector: Record<string, string> | null;
  ports: V1ServicePort[];
  externalIPs: string[];
  externalName: string;
  sessionAffinity: string;
  sessionAffinityConfig: { clientIP: { timeoutSeconds: number | null } | null } | null;
  externalTrafficPolicy: string;
  internalTrafficPolicy: string | null;
  healthCheckNodePort: number;
  loadBalancerIP: string;
  loadBalancerSourceRanges: string[];
  loadBalancerClass: string | null;
  allocateLoadBalancerNodePorts: boolean | null;
  publishNotReadyAddresses: boolean;
  trafficDistribution: string | null;
}

export interface V1Service {
  name: string;
  generateName: string;
  namespace: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  spec: V1ServiceSpec;
}

export interface DecodeError {
  /** Where in the YAML (loader segments). */
  at: Segments;
  /** The decoder's own text, e.g. `json: cannot unmarshal string into Go struct field ...`. */
  message: string;
  /** For unknown fields: the known field it was probably meant to be. */
  suggestion?: string;
  unknownField?: boolean;
}

const SPEC_FIELDS = [
  'ports',
  'selector',
  'clusterIP',
  'clusterIPs',
  'type',
  'externalIPs',
  'sessionAffinity',
  'loadBalancerIP',
  'loadBalancerSourceRanges',
  'externalName',
  'externalTrafficPolicy',
  'healthCheckNodePort',
  'publishNotReadyAddresses',
  'sessionAffinityConfig',
  'ipFamilies',
  'ipFamilyPolicy',
  'allocateLoadBalancerNodePorts',
  'loadBalancerClass',
  'internalTrafficPolicy',
  'trafficDistribution',
];
const PORT_FIELDS = ['name', 'protocol', 'appProtocol', 'port', 'targetPort', 'nodePort'];
const ROOT_FIELDS = ['apiVersion', 'kind', 'metadata', 'spec', 'status'];
const METADATA_FIELDS = [
  'name',
  'generateName',
  'namespace',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
];

/** A Go struct field: which struct holds it and the dotted JSON path Go reports (no indices). */
interface GoField {
  struct: string;
  jsonPath: string;
  type: string;
}

class Decoder {
  readonly errors: DecodeError[] = [];

  typeError(at: Segments, value: unknown, field: GoField, kind = goJsonKind(value)): void {
    this.errors.push({
      at,
      message: `json: cannot unmarshal ${kind} into Go struct field ${field.struct}.${field.jsonPath} of type ${field.type}`,
    });
  }

  string(value: unknown, at: Segments, field: GoField): string {
    if (value === undefined || value === null) return '';
    if (typeof value === 'string') return value;
    this.typeError(at, value, field);
    return typeof value === 'number' || typeof value === 'boolean' ? String(value) : '';
  }

  optionalString(value: unknown, at: Segments, field: GoField): string | null {
    if (value === undefined || value === null) return null;
    return this.string(value, at, field);
  }

  int32(value: unknown, at: Segments, field: GoField): number {
    if (value === undefined || value === null) return 0;
    if (typeof value === 'number') {
      if (Number.isInteger(value) && value >= -2147483648 && value <= 2147483647) return value;
      this.typeError(at, value, field, `number ${String(value)}`);
      return Number.isFinite(value) ? Math.trunc(value) : 0;
    }
    this.typeError(at, value, field);
    // Keep modelling with what the user most likely meant ("80" → 80).
    if (typeof value === 'string' && /^[0-9]+$/.test(value)) return Number.parseInt(value, 10);
    return 0;
  }

  bool(value: unknown, at: Segments, field: GoField): boolean | null {
    if (value === undefined || value === null) return null;
    if (typeof value === 'boolean') return value;
    this.typeError(at, value, field);
    return value === 'true' ? true : value === 'false' ? false : null;
  }

  stringList(value: unknown, at: Segments, field: GoField, elementType: string): string[] {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) {
      this.typeError(at, value, field);
      return [];
    }
    return value.map((item, i) => this.string(item, [...at, i], { ...field, type: elementType }));
  }

  stringMap(value: unknown, at: Segments, field: GoField): Record<string, string> | null {
    if (value === undefined || value === null) return null;
    if (!isPlainObject(value)) {
      this.typeError(at, value, field);
      return null;
    }
    // fromEntries defines own properties: a `__proto__` key stays a key (an assignment would drop it).
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        key,
        this.string(item, [...at, key], { ...field, type: 'string' }),
      ]),
    );
  }

  /** intstr.IntOrString has its own UnmarshalJSON, so Go reports no struct field for it. */
  intOrString(value: unknown, at: Segments): number | string {
    if (value === undefined || value === null) return 0;
    if (typeof value === 'string') return value;
    if (typeof value === 'number' && Number.isInteger(value) && Math.abs(value) <= 2147483647) return value;
    const kind = typeof value === 'number' ? `number ${String(value)}` : goJsonKind(value);
    this.errors.push({ at, message: `json: cannot unmarshal ${kind} into Go value of type int32` });
    return typeof value === 'number' && Number.isFinite(value) ? Math.trunc(value) : 0;
  }

  object(value: unknown, at: Segments, field: GoField): Record<string, unknown> | null {
    if (value === undefined || value === null) return null;
    if (isPlainObject(value)) return value;
    this.typeError(at, value, field);
    return null;
  }

  unknownFields(value: Record<string, unknown>, at: Segments, known: readonly string[]): void {
    for (const key of Object.keys(value)) {
      if (known.includes(key)) continue;
      const suggestion = known.find((candidate) => candidate.toLowerCase() === key.toLowerCase());
      this.errors.push({
        at: [...at, key],
        message: `strict decoding error: unknown field ${JSON.stringify(strictPath([...at, key]))}`,
        unknownField: true,
        ...(suggestion !== undefined ? { suggestion } : {}),
      });
    }
  }
}

/** The path format of strict-decoding errors: `spec.ports[0].nodeport`. */
function strictPath(segments: Segments): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? segment : `.${segment}`;
  }
  return out;
}

const spec = (jsonPath: string, type: string): GoField => ({
  struct: 'ServiceSpec',
  jsonPath: `spec.${jsonPath}`,
  type,
});
const port = (jsonPath: string, type: string): GoField => ({
  struct: 'ServicePort',
  jsonPath: `spec.ports.${jsonPath}`,
  type,
});
const meta = (jsonPath: string, type: string): GoField => ({
  struct: 'ObjectMeta',
  jsonPath: `metadata.${jsonPath}`,
  type,
});

function decodePort(d: Decoder, value: unknown, at: Segments): V1ServicePort {
  const raw =
    d.object(value, at, { struct: 'ServiceSpec', jsonPath: 'spec.ports', type: 'v1.ServicePort' }) ?? {};
  d.unknownFields(raw, at, PORT_FIELDS);
  return {
    name: d.string(raw['name'], [...at, 'name'], port('name', 'string')),
    protocol: d.string(raw['protocol'], [...at, 'protocol'], port('protocol', 'v1.Protocol')),
    appProtocol: d.optionalString(raw['appProtocol'], [...at, 'appProtocol'], port('appProtocol', 'string')),
    port: d.int32(raw['port'], [...at, 'port'], port('port', 'int32')),
    targetPort: d.intOrString(raw['targetPort'], [...at, 'targetPort']),
    nodePort: d.int32(raw['nodePort'], [...at, 'nodePort'], port('nodePort', 'int32')),
  };
}

function decodeSpec(d: Decoder, raw: Record<string, unknown>): V1ServiceSpec {
  const at = (key: string): Segments => ['spec', key];
  let ports: V1ServicePort[] = [];
  const rawPorts = raw['ports'];
  if (Array.isArray(rawPorts)) ports = rawPorts.map((item, i) => decodePort(d, item, ['spec', 'ports', i]));
  else if (rawPorts !== undefined && rawPorts !== null)
    d.typeError(at('ports'), rawPorts, spec('ports', '[]v1.ServicePort'));

  let sessionAffinityConfig: V1ServiceSpec['sessionAffinityConfig'] = null;
  const rawConfig = d.object(
    raw['sessionAffinityConfig'],
    at('sessionAffinityConfig'),
    spec('sessionAffinityConfig', 'v1.SessionAffinityConfig'),
  );
  if (rawConfig !== null) {
    d.unknownFields(rawConfig, at('sessionAffinityConfig'), ['clientIP']);
    const clientIPAt: Segments = ['spec', 'sessionAffinityConfig', 'clientIP'];
    const rawClientIP = d.object(rawConfig['clientIP'], clientIPAt, {
      struct: 'SessionAffinityConfig',
      jsonPath: 'spec.sessionAffinityConfig.clientIP',
      type: 'v1.ClientIPConfig',
    });
    if (rawClientIP !== null) d.unknownFields(rawClientIP, clientIPAt, ['timeoutSeconds']);
    const timeout = rawClientIP?.['timeoutSeconds'];
    sessionAffinityConfig = {
      clientIP:
        rawClientIP === null
          ? null
          : {
              timeoutSeconds:
                timeout === undefined || timeout === null
                  ? null
                  : d.int32(timeout, [...clientIPAt, 'timeoutSeconds'], {
                      struct: 'ClientIPConfig',
                      jsonPath: 'spec.sessionAffinityConfig.clientIP.timeoutSeconds',
                      type: 'int32',
                    }),
            },
    };
  }

  return {
    type: d.string(raw['type'], at('type'), spec('type', 'v1.ServiceType')),
    clusterIP: d.string(raw['clusterIP'], at('clusterIP'), spec('clusterIP', 'string')),
    clusterIPs: d.stringList(raw['clusterIPs'], at('clusterIPs'), spec('clusterIPs', '[]string'), 'string'),
    ipFamilies: d.stringList(
      raw['ipFamilies'],
      at('ipFamilies'),
      spec('ipFamilies', '[]v1.IPFamily'),
      'v1.IPFamily',
    ),
    ipFamilyPolicy: d.optionalString(
      raw['ipFamilyPolicy'],
      at('ipFamilyPolicy'),
      spec('ipFamilyPolicy', 'v1.IPFamilyPolicy'),
    ),
    selector: d.stringMap(raw['selector'], at('selector'), spec('selector', 'map[string]string')),
    ports,
    externalIPs: d.stringList(
      raw['externalIPs'],
      at('externalIPs'),
      spec('externalIPs', '[]string'),
      'string',
    ),
    externalName: d.string(raw['externalName'], at('externalName'), spec('externalName', 'string')),
    sessionAffinity: d.string(
      raw['sessionAffinity'],
      at('sessionAffinity'),
      spec('sessionAffinity', 'v1.ServiceAffinity'),
    ),
    sessionAffinityConfig,
    externalTrafficPolicy: d.string(
      raw['externalTrafficPolicy'],
      at('externalTrafficPolicy'),
      spec('externalTrafficPolicy', 'v1.ServiceExternalTrafficPolicy'),
    ),
    internalTrafficPolicy: d.optionalString(
      raw['internalTrafficPolicy'],
      at('internalTrafficPolicy'),
      spec('internalTrafficPolicy', 'v1.ServiceInternalTrafficPolicy'),
    ),
    healthCheckNodePort: d.int32(
      raw['healthCheckNodePort'],
      at('healthCheckNodePort'),
      spec('healthCheckNodePort', 'int32'),
    ),
    loadBalancerIP: d.string(raw['loadBalancerIP'], at('loadBalancerIP'), spec('loadBalancerIP', 'string')),
    loadBalancerSourceRanges: d.stringList(
      raw['loadBalancerSourceRanges'],
      at('loadBalancerSourceRanges'),
      spec('loadBalancerSourceRanges', '[]string'),
      'string',
    ),
    loadBalancerClass: d.optionalString(
      raw['loadBalancerClass'],
      at('loadBalancerClass'),
      spec('loadBalancerClass', 'string'),
    ),
    allocateLoadBalancerNodePorts: d.bool(
      raw['allocateLoadBalancerNodePorts'],
      at('allocateLoadBalancerNodePorts'),
      spec('allocateLoadBalancerNodePorts', 'bool'),
    ),
    publishNotReadyAddresses:
      d.bool(
        raw['publishNotReadyAddresses'],
        at('publishNotReadyAddresses'),
        spec('publishNotReadyAddresses', 'bool'),
      ) ?? false,
    trafficDistribution: d.optionalString(
      raw['trafficDistribution'],
      at('trafficDistribution'),
      spec('trafficDistribution', 'string'),
    ),
  };
}

/** Decodes one Service object as `kubectl apply` would send it. Never throws. */
export function decodeService(
  raw: Record<string, unknown>,
  namespace: string,
): { service: V1Service; errors: DecodeError[] } {
  const d = new Decoder();
  d.unknownFields(raw, [], ROOT_FIELDS);
  const metadata =
    d.object(raw['metadata'], ['metadata'], {
      struct: 'Service',
      jsonPath: 'metadata',
      type: 'v1.ObjectMeta',
    }) ?? {};
  d.unknownFields(metadata, ['metadata'], METADATA_FIELDS);
  const rawSpec =
    d.object(raw['spec'], ['spec'], { struct: 'Service', jsonPath: 'spec', type: 'v1.ServiceSpec' }) ?? {};
  d.unknownFields(rawSpec, ['spec'], SPEC_FIELDS);
  const service: V1Service = {
    name: d.string(metadata['name'], ['metadata', 'name'], meta('name', 'string')),
    generateName: d.string(
      metadata['generateName'],
      ['metadata', 'generateName'],
      meta('generateName', 'string'),
    ),
    // The loader already applied kubectl's default namespace.
    namespace,
    labels:
      d.stringMap(metadata['labels'], ['metadata', 'labels'], meta('labels', 'map[string]string')) ?? {},
    annotations:
      d.stringMap(
        metadata['annotations'],
        ['metadata', 'annotations'],
        meta('annotations', 'map[string]string'),
      ) ?? {},
    spec: decodeSpec(d, rawSpec),
  };
  // Wrong types in the top-level metadata never reach the API server: kubectl refuses the
  // file first ("unable to decode", reported by the loader for every object).
  const errors = d.errors.filter((e) => e.unknownField === true || e.at[0] !== 'metadata');
  return { service, errors };
}
