// The fields of `kubepath.cluster.yaml`: one description (name, type, enum, default, what it
// means) that the profile loader validates with (unknown fields, enum values) and the editor's
// completion and hover read. Plain data, no I/O.
import type { LoadedObject, SourceRange } from '../model';
import { formatFieldPath } from '../model';
import { editDistance } from '../util/editDistance';

export type ProfileFieldType =
  | 'string'
  | 'boolean'
  | 'integer'
  /** One CIDR. */
  | 'cidr'
  /** One CIDR, or one of each family, comma-separated, primary first (dual-stack). */
  | 'cidrs'
  | 'ip'
  /** `MIN-MAX`. */
  | 'portRange'
  | 'mapping'
  | 'list'
  /** Free-form keys (labels, allocatable): not checked against the schema. */
  | 'map';

export interface ProfileField {
  readonly name: string;
  readonly type: ProfileFieldType;
  /** The values accepted, for a string field that takes one of a few. */
  readonly enum?: readonly string[];
  /** Values accepted with a note saying they are not modelled (what happens instead). */
  readonly notModelled?: Readonly<Record<string, string>>;
  /** What kubepath uses when the field is absent, as it would be written. */
  readonly default?: string;
  readonly description: string;
  /** The fields of a mapping, or of each item of a list of mappings. */
  readonly fields?: readonly ProfileField[];
  /** A list's items when they are scalars. */
  readonly items?: ProfileFieldType;
  readonly required?: boolean;
}

const TAINT: readonly ProfileField[] = [
  { name: 'key', type: 'string', required: true, description: 'The taint key.' },
  { name: 'value', type: 'string', default: '""', description: 'The taint value.' },
  {
    name: 'effect',
    type: 'string',
    enum: ['NoSchedule', 'PreferNoSchedule', 'NoExecute'],
    required: true,
    description:
      'What the taint does to pods that do not tolerate it: NoSchedule and NoExecute keep them off the node, PreferNoSchedule makes the scheduler avoid it.',
  },
];

const NODE: readonly ProfileField[] = [
  { name: 'name', type: 'string', required: true, description: 'The node name (unique).' },
  {
    name: 'ip',
    type: 'ip',
    description: 'The node IP (InternalIP): NodePorts are reached on it and pods on the node route from it.',
  },
  {
    name: 'ips',
    type: 'list',
    items: 'ip',
    description: 'The node IPs, primary first (one per family on a dual-stack node); instead of `ip`.',
  },
  {
    name: 'podCIDR',
    type: 'cidrs',
    default: 'the i-th /24 (IPv4) or /64 (IPv6) of the cluster podCIDR',
    description:
      "The node's pod range (spec.podCIDR): where its pods get their IPs; inside the cluster podCIDR.",
  },
  {
    name: 'podCIDRs',
    type: 'list',
    items: 'cidr',
    default: 'the i-th /24 and /64 of the cluster podCIDR',
    description: "The node's pod ranges, one per family, primary first (spec.podCIDRs).",
  },
  {
    name: 'labels',
    type: 'map',
    description:
      'Node labels; they override the labels a kubelet sets (kubernetes.io/hostname, kubernetes.io/os, kubernetes.io/arch, beta.kubernetes.io/*).',
  },
  {
    name: 'zone',
    type: 'string',
    description: 'Becomes topology.kubernetes.io/zone (and failure-domain.beta.kubernetes.io/zone).',
  },
  {
    name: 'region',
    type: 'string',
    description: 'Becomes topology.kubernetes.io/region (and failure-domain.beta.kubernetes.io/region).',
  },
  {
    name: 'taints',
    type: 'list',
    fields: TAINT,
    description: 'spec.taints: `{ key, value, effect }` each.',
  },
  {
    name: 'allocatable',
    type: 'map',
    default: '{ cpu: 4, memory: 16Gi, ephemeral-storage: 100Gi, pods: 110 } (each one left out)',
    description:
      "status.allocatable: quantities the scheduler fits requests against (`{ cpu: 2, memory: 8Gi, pods: 30 }`); cpu, memory, ephemeral-storage and pods left out are a kind worker's on a 4-CPU, 16 GiB machine (pods: the kubelet's default maxPods).",
  },
  {
    name: 'unschedulable',
    type: 'boolean',
    default: 'false',
    description: 'A cordoned node: the scheduler places no pod on it.',
  },
];

const KUBE_PROXY: readonly ProfileField[] = [
  {
    name: 'mode',
    type: 'string',
    enum: ['iptables', 'nftables'],
    notModelled: {
      ipvs: 'ipvs mode is deprecated upstream and not modelled: the rules commands print nothing, traces walk the rules iptables mode would write',
    },
    default: 'iptables',
    description: "kube-proxy's backend (--proxy-mode): the rules kubepath writes and traces.",
  },
  {
    name: 'detectLocalMode',
    type: 'string',
    enum: ['ClusterCIDR', 'NodeCIDR', 'None'],
    notModelled: {
      BridgeInterface: 'BridgeInterface matches the input interface, which kubepath does not model',
      InterfaceNamePrefix: 'InterfaceNamePrefix matches the input interface, which kubepath does not model',
    },
    default: 'ClusterCIDR',
    description:
      "How kube-proxy tells traffic from the node's pods (--detect-local-mode): ClusterCIDR matches the source against clusterCIDR, NodeCIDR against the node's podCIDR, None detects nothing (no local-traffic rules).",
  },
  {
    name: 'clusterCIDR',
    type: 'cidrs',
    default: 'the podCIDR',
    description:
      "The local-traffic detector's range (--cluster-cidr) for detectLocalMode ClusterCIDR; '' = no detector.",
  },
  {
    name: 'masqueradeAll',
    type: 'boolean',
    default: 'false',
    description: 'SNAT every packet sent to a Service IP (--masquerade-all).',
  },
  {
    name: 'masqueradeBit',
    type: 'integer',
    default: '14',
    description: 'The fwmark bit (0-31) that marks packets to masquerade (--iptables-masquerade-bit).',
  },
  {
    name: 'masqueradeMark',
    type: 'string',
    description:
      'The mark exactly as written into the rules (hex like 0x4000), instead of the one derived from masqueradeBit.',
  },
  {
    name: 'localhostNodePorts',
    type: 'boolean',
    default: 'true',
    description: 'Whether NodePorts answer on 127.0.0.1 (--iptables-localhost-nodeports).',
  },
  {
    name: 'nodePortAddresses',
    type: 'list',
    items: 'cidr',
    default: '[]',
    description:
      'Where NodePorts listen (--nodeport-addresses): CIDRs or `primary`; empty = every local address.',
  },
  {
    name: 'randomFully',
    type: 'boolean',
    default: 'true',
    description: "Whether the node's iptables supports --random-fully (kube-proxy adds it to MASQUERADE).",
  },
  {
    name: 'conntrackTCPBeLiberal',
    type: 'boolean',
    default: 'false',
    description: 'net.netfilter.nf_conntrack_tcp_be_liberal is set: kube-proxy writes no INVALID drop rule.',
  },
];

const CLOUD: readonly ProfileField[] = [
  {
    name: 'provider',
    type: 'string',
    enum: ['generic', 'aws', 'gcp', 'azure', 'metallb', 'none'],
    default: 'generic',
    description:
      'Who gives LoadBalancer Services their address: generic, gcp, azure and metallb an IP of loadBalancerIPPool, aws a hostname (name-hash.region.elb.amazonaws.com); none = no cloud controller (the Services stay <pending>, NodePorts still work).',
  },
  {
    name: 'loadBalancerIPPool',
    type: 'cidr',
    default: '203.0.113.0/24',
    description: 'Where load-balancer ingress IPs come from (generic, gcp, azure, metallb).',
  },
  {
    name: 'region',
    type: 'string',
    default: 'us-east-1',
    description: 'The cloud region (in aws load-balancer hostnames).',
  },
];

/** The fields of `kubepath.cluster.yaml`, top level first. */
export const PROFILE_SCHEMA: readonly ProfileField[] = [
  {
    name: 'apiVersion',
    type: 'string',
    enum: ['kubepath.dev/v1alpha1'],
    required: true,
    description: 'The profile format version.',
  },
  {
    name: 'kind',
    type: 'string',
    enum: ['ClusterProfile'],
    required: true,
    description: 'Always ClusterProfile.',
  },
  { name: 'metadata', type: 'map', description: 'Free-form (a name for the profile); not read.' },
  {
    name: 'serviceCIDR',
    type: 'cidrs',
    default: '10.96.0.0/16',
    description:
      'Where ClusterIPs come from (kube-apiserver --service-cluster-ip-range); one CIDR of each family for dual-stack (10.96.0.0/16,fd00:10:96::/112).',
  },
  {
    name: 'podCIDR',
    type: 'cidrs',
    default: '10.244.0.0/16',
    description: 'Where pod IPs come from (--cluster-cidr); each node gets a /24 of it (a /64 for IPv6).',
  },
  {
    name: 'clusterDomain',
    type: 'string',
    default: 'cluster.local',
    description: 'The DNS suffix of Services (SERVICE.NAMESPACE.svc.cluster.local).',
  },
  {
    name: 'nodePortRange',
    type: 'portRange',
    default: '30000-32767',
    description: 'Where NodePorts come from (kube-apiserver --service-node-port-range).',
  },
  {
    name: 'nodes',
    type: 'list',
    fields: NODE,
    default: 'node-1..3 (172.18.0.2-4, pod CIDRs 10.244.1-3.0/24)',
    description: 'The cluster nodes (at most 5,000): `{ name, ip }` each, and optionally more fields.',
  },
  {
    name: 'kubeProxy',
    type: 'mapping',
    fields: KUBE_PROXY,
    description: "kube-proxy's settings on every node.",
  },
  {
    name: 'kubernetesVersion',
    type: 'string',
    default: '"1.33"',
    description:
      'Whose behaviour and rule format to reproduce (the nftables layout of 1.34+); quote it: 1.30 unquoted is the number 1.3.',
  },
  {
    name: 'cloud',
    type: 'mapping',
    fields: CLOUD,
    description: 'The cloud controller that gives LoadBalancer Services their address.',
  },
];

/** The fields one level below `path` (a profile field path such as ['kubeProxy'] or ['nodes', 0]); null for free-form or scalar. */
export function profileFieldsAt(path: readonly (string | number)[]): readonly ProfileField[] | null {
  let fields: readonly ProfileField[] | undefined = PROFILE_SCHEMA;
  let list: ProfileField | undefined;
  for (const segment of path) {
    if (typeof segment === 'number') {
      if (!list) return null;
      fields = list.fields;
      list = undefined;
      if (!fields) return null;
      continue;
    }
    if (!fields) return null;
    const field: ProfileField | undefined = fields.find((f) => f.name === segment);
    if (!field) return null;
    if (field.type === 'list') {
      list = field;
      fields = undefined;
    } else {
      fields = field.fields;
      if (!fields) return null;
    }
  }
  return list ? null : (fields ?? null);
}

/** The field at `path` (list indexes skipped), or undefined. */
export function profileFieldAt(path: readonly (string | number)[]): ProfileField | undefined {
  const last = path[path.length - 1];
  if (typeof last !== 'string') {
    // A list item: the list's own field.
    return path.length > 1 ? profileFieldAt(path.slice(0, -1)) : undefined;
  }
  return profileFieldsAt(path.slice(0, -1))?.find((f) => f.name === last);
}

/** The closest of `names` to `written` when close enough to be a typo (or differ only in case). */
export function closestName(written: string, names: readonly string[]): string | undefined {
  let best: { name: string; d: number } | undefined;
  for (const name of names) {
    const d = name.toLowerCase() === written.toLowerCase() ? 0.5 : editDistance(written, name);
    if (!best || d < best.d) best = { name, d };
  }
  if (!best) return undefined;
  const limit = Math.max(1, Math.floor(Math.max(written.length, best.name.length) / 3));
  return best.d <= limit ? best.name : undefined;
}

/** How a field's type is named in messages and hovers. */
export function profileTypeLabel(field: ProfileField): string {
  switch (field.type) {
    case 'cidrs':
      return 'CIDR (or one of each family, comma-separated)';
    case 'cidr':
      return 'CIDR';
    case 'ip':
      return 'IP address';
    case 'portRange':
      return 'port range MIN-MAX';
    case 'mapping':
      return 'mapping';
    case 'map':
      return 'mapping of free-form keys';
    case 'list':
      return field.fields ? 'list of mappings' : `list of ${field.items === 'ip' ? 'IP addresses' : 'CIDRs'}`;
    case 'integer':
      return 'integer';
    case 'boolean':
      return 'boolean';
    case 'string':
      return field.enum ? `one of ${field.enum.join(' | ')}` : 'string';
  }
}

export interface ProfileFinding {
  readonly range: SourceRange;
  readonly severity: 'error' | 'warning';
  readonly code: 'profile-unknown-field' | 'profile-invalid';
  readonly message: string;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * What the schema itself says is wrong in a profile object: unknown fields at every level
 * (with the nearest known name), mappings and lists that are not, and enum values not
 * accepted (with the nearest one). Values' own syntax (CIDRs, ranges) is the loader's.
 */
export function checkProfileShape(object: LoadedObject): ProfileFinding[] {
  const out: ProfileFinding[] = [];
  const range = (path: (string | number)[], key: boolean): SourceRange =>
    (key ? object.keyRanges.get(formatFieldPath(path)) : undefined) ??
    object.ranges.get(formatFieldPath(path)) ??
    object.range;
  const walk = (
    value: Record<string, unknown>,
    fields: readonly ProfileField[],
    at: (string | number)[],
  ): void => {
    for (const [key, child] of Object.entries(value)) {
      const path = [...at, key];
      const field = fields.find((f) => f.name === key);
      const where = at.length === 0 ? 'the cluster profile' : formatFieldPath(at);
      if (!field) {
        const near = closestName(
          key,
          fields.map((f) => f.name),
        );
        out.push({
          range: range(path, true),
          severity: 'warning',
          code: 'profile-unknown-field',
          message: `unknown field "${key}" in ${where}${near ? `; did you mean "${near}"?` : ` (known: ${fields.map((f) => f.name).join(', ')})`}`,
        });
        continue;
      }
      const name = formatFieldPath(path);
      if ((field.type === 'mapping' || field.type === 'map') && child !== null && !isMapping(child)) {
        out.push({
          range: range(path, false),
          severity: 'error',
          code: 'profile-invalid',
          message: `${name} must be a mapping`,
        });
        continue;
      }
      if (field.type === 'list' && child !== null && !Array.isArray(child)) continue; // the loader words it
      const accepted =
        typeof child === 'string' && (field.enum?.includes(child) || field.notModelled?.[child]);
      if (field.enum && child !== null && !accepted) {
        const near = typeof child === 'string' ? closestName(child, field.enum) : undefined;
        out.push({
          range: range(path, false),
          severity: 'error',
          code: 'profile-invalid',
          message: `${name} must be one of ${field.enum.join(', ')}, got ${JSON.stringify(child)}${near ? `; did you mean "${near}"?` : ''}`,
        });
      }
      if (field.fields && isMapping(child) && field.type === 'mapping') walk(child, field.fields, path);
      if (field.fields && Array.isArray(child))
        child.forEach((item, i) => {
          if (isMapping(item)) walk(item, field.fields ?? [], [...path, i]);
        });
    }
  };
  walk(object.raw, PROFILE_SCHEMA, []);
  return out;
}

type JsonSchema = { [key: string]: unknown };

/** A field's default as a JSON value, when it is one (not prose such as "the podCIDR"). */
function jsonDefault(field: ProfileField): unknown {
  const d = field.default;
  if (d === undefined) return undefined;
  if (field.type === 'boolean') return d === 'true' ? true : d === 'false' ? false : undefined;
  if (field.type === 'integer') return /^\d+$/.test(d) ? Number(d) : undefined;
  if (field.type === 'list') return d === '[]' ? [] : undefined;
  if (/^"[^"]*"$/.test(d)) return d.slice(1, -1);
  return /^[^\s(]+$/.test(d) ? d : undefined;
}

function jsonFields(fields: readonly ProfileField[]): JsonSchema {
  const required = fields.filter((f) => f.required).map((f) => f.name);
  return {
    type: 'object',
    ...(required.length > 0 ? { required } : {}),
    additionalProperties: false,
    properties: Object.fromEntries(fields.map((f) => [f.name, jsonField(f)])),
  };
}

function jsonField(field: ProfileField): JsonSchema {
  const d = jsonDefault(field);
  const notes = Object.entries(field.notModelled ?? {}).map(([v, note]) => ` ${v}: ${note}.`);
  const out: JsonSchema = {
    description: `${field.description}${d === undefined && field.default !== undefined ? ` Default: ${field.default}.` : ''}${notes.join('')}`,
  };
  if (field.enum) {
    const values = [...field.enum, ...Object.keys(field.notModelled ?? {})];
    if (values.length === 1) out['const'] = values[0];
    else out['enum'] = values;
  } else {
    switch (field.type) {
      case 'boolean':
      case 'integer':
        out['type'] = field.type;
        break;
      case 'mapping':
        Object.assign(out, jsonFields(field.fields ?? []));
        break;
      case 'map':
        out['type'] = 'object';
        break;
      case 'list':
        out['type'] = 'array';
        out['items'] = field.fields ? jsonFields(field.fields) : { type: 'string' };
        break;
      default:
        out['type'] = 'string';
    }
  }
  if (d !== undefined) out['default'] = d;
  return out;
}

/**
 * The profile as a JSON Schema (draft-07), for editors that validate YAML with one (the
 * extension contributes it as `yamlValidation`): generated from PROFILE_SCHEMA, so it accepts
 * exactly the fields and values the loader does (a test checks the shipped file is this).
 */
export function profileJsonSchema(): JsonSchema {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://kubepath.dev/schemas/kubepath.cluster.schema.json',
    title: 'kubepath cluster profile',
    description:
      'The cluster kubepath simulates (kubepath.cluster.yaml at the workspace root, or --cluster).',
    ...jsonFields(PROFILE_SCHEMA),
  };
}
