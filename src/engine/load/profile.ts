// kubepath.cluster.yaml → ClusterProfile, with file:line errors for bad fields.
import type {
  ClusterProfile,
  CloudProvider,
  Diagnostic,
  LoadedObject,
  Node,
  NodeTaint,
  ProxyMode,
} from '../model';
import { loadYamlFile } from './yamlDocuments';
import { rangeAt } from '../model';
import { isPlainObject } from '../model';
import type { CIDR } from '../net/ip';
import { addressAt, bitsOf, cidrCovers, formatCIDR, normalizeIP, parseCIDR, parseIPv4CIDR } from '../net/ip';
import { parseQuantity } from '../util/quantity';
import { checkProfileShape, profileFieldAt } from './profileSchema';

export { PROFILE_FILE_NAME } from '../model';

/** The values the schema accepts for a field (enum and not-modelled ones). */
function accepted(path: (string | number)[]): readonly string[] {
  const field = profileFieldAt(path);
  return [...(field?.enum ?? []), ...Object.keys(field?.notModelled ?? {})];
}
const PROXY_MODES = accepted(['kubeProxy', 'mode']) as readonly ProxyMode[];
const CLOUD_PROVIDERS = accepted(['cloud', 'provider']) as readonly CloudProvider[];
const DETECT_LOCAL_MODES = accepted(['kubeProxy', 'detectLocalMode']);

export const PROFILE_SHAPE_HINT =
  'expected: apiVersion: kubepath.dev/v1alpha1, kind: ClusterProfile, serviceCIDR, podCIDR, nodes: [{name, ip}], …';

/** The cluster kubepath simulates when the workspace has no profile: three kind-like worker nodes. */
export function defaultClusterProfile(): ClusterProfile {
  const nodes: Node[] = [1, 2, 3].map((i) => ({
    name: `node-${i}`,
    ips: [`172.18.0.${i + 1}`],
    labels: kubeletLabels(`node-${i}`),
    podCIDR: `10.244.${i}.0/24`,
    allocatable: { ...DEFAULT_NODE_ALLOCATABLE },
  }));
  return {
    serviceCIDR: '10.96.0.0/16',
    podCIDR: '10.244.0.0/16',
    clusterDomain: 'cluster.local',
    nodePortRange: { min: 30000, max: 32767 },
    nodes,
    kubeProxy: {
      mode: 'iptables',
      clusterCIDR: '10.244.0.0/16',
      masqueradeAll: false,
      masqueradeBit: 14,
      localhostNodePorts: true,
      nodePortAddresses: [],
      randomFully: true,
      conntrackTCPBeLiberal: false,
    },
    kubernetesVersion: '1.33',
    cloud: { provider: 'generic', loadBalancerIPPool: '203.0.113.0/24', region: 'us-east-1' },
    source: null,
  };
}

/** A kubelet's default maxPods (KubeletConfiguration defaulting, pkg/kubelet/apis/config/v1beta1/defaults.go). */
export const KUBELET_MAX_PODS = '110';

/**
 * The status.allocatable of a node that does not give its own: what a kind worker on a
 * 4-CPU, 16 GiB machine with a 100 GiB disk reports (a common developer or CI machine). A
 * kind node reports its host's CPUs, memory and disk, and kind's kubelet configuration
 * reserves nothing for the system and turns the disk eviction thresholds off, so allocatable
 * is the machine's; pods is the kubelet's default maxPods. Real kubelets always report these
 * four, so each one a profile node's allocatable leaves out takes its value from here.
 */
export const DEFAULT_NODE_ALLOCATABLE: Readonly<Record<string, string>> = Object.freeze({
  cpu: '4',
  memory: '16Gi',
  'ephemeral-storage': '100Gi',
  pods: KUBELET_MAX_PODS,
});

/**
 * The labels a kubelet registers its node with (kubelet_node_status.go): hostname, OS and
 * architecture, and the deprecated beta OS and architecture labels it still sets.
 */
export function kubeletLabels(name: string): Record<string, string> {
  return {
    'kubernetes.io/hostname': name,
    'kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'amd64',
    'beta.kubernetes.io/os': 'linux',
    'beta.kubernetes.io/arch': 'amd64',
  };
}

function isLabelValue(value: string): boolean {
  return value.length <= 63 && /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(value);
}

export interface LoadedProfile {
  profile: ClusterProfile;
  diagnostics: Diagnostic[];
}

/**
 * Kubernetes supports clusters of up to 5,000 nodes (kubernetes.io/docs/setup/best-practices/
 * cluster-large); a profile holds at most that many, and at most 2 MiB of text (5,000 nodes
 * with labels, taints and allocatable take about 2 MiB), so a bigger one is refused
 * before it is parsed instead of taking seconds.
 */
export const MAX_PROFILE_NODES = 5000;
export const MAX_PROFILE_BYTES = 2 * 1024 * 1024;

/** Parses a profile file. Invalid fields are reported and replaced by defaults, so analysis still runs. */
export function loadClusterProfile(file: string, text: string): LoadedProfile {
  if (text.length > MAX_PROFILE_BYTES) {
    return {
      profile: defaultClusterProfile(),
      diagnostics: [
        {
          range: { file, line: 1, column: 1, endLine: 1, endColumn: 1 },
          severity: 'error',
          code: 'profile-too-large',
          message: `the cluster profile is ${text.length} bytes, more than the ${MAX_PROFILE_BYTES}-byte limit for a profile (a Kubernetes cluster has at most ${MAX_PROFILE_NODES} nodes); not read, the built-in cluster is used`,
        },
      ],
    };
  }
  const loaded = loadYamlFile(file, text);
  const diagnostics: Diagnostic[] = loaded.diagnostics.map((d) => ({
    ...d,
    code: d.code === 'yaml-syntax' ? 'profile-invalid' : d.code,
  }));
  const profile = defaultClusterProfile();
  const object = loaded.objects.find((o) => o.kind === 'ClusterProfile');
  if (!object) {
    if (diagnostics.length === 0) {
      diagnostics.push({
        range: { file, line: 1, column: 1, endLine: 1, endColumn: 1 },
        severity: 'error',
        code: 'profile-invalid',
        message: `${file} is not a cluster profile; ${PROFILE_SHAPE_HINT}`,
      });
    }
    return { profile, diagnostics };
  }
  profile.source = object.range;
  const raw = object.raw;
  const report = (path: (string | number)[], message: string): void => {
    diagnostics.push({ range: rangeAt(object, path), severity: 'error', code: 'profile-invalid', message });
  };
  if (raw['apiVersion'] === undefined) report(['apiVersion'], 'apiVersion must be kubepath.dev/v1alpha1');
  // Unknown fields (with the nearest known name), mappings that are not, enum values: the schema's.
  for (const finding of checkProfileShape(object)) diagnostics.push({ ...finding });
  const cidr = (path: (string | number)[], fallback: string): string => {
    const value = getPath(raw, path);
    if (value === undefined) return fallback;
    if (typeof value !== 'string' || !parseIPv4CIDR(value)) {
      report(
        path,
        `${path.join('.')} must be an IPv4 CIDR such as 10.96.0.0/16, got ${JSON.stringify(value)}`,
      );
      return fallback;
    }
    return value.trim();
  };
  // A dual-stack range is written as the components' flags take it: `10.96.0.0/16,fd00:10:96::/112`
  // (kube-apiserver --service-cluster-ip-range, kube-controller-manager and kube-proxy --cluster-cidr).
  const cidrList = (path: (string | number)[], fallback: string): string => {
    const value = getPath(raw, path);
    if (value === undefined) return fallback;
    const list = typeof value === 'string' ? dualStackCIDRs(value) : null;
    if (list === null) {
      report(
        path,
        `${path.join('.')} must be a CIDR such as 10.96.0.0/16, or one CIDR of each family for dual-stack (10.96.0.0/16,fd00:10:96::/112), got ${JSON.stringify(value)}`,
      );
      return fallback;
    }
    return list.join(',');
  };
  const bool = (path: (string | number)[], fallback: boolean): boolean => {
    const value = getPath(raw, path);
    if (value === undefined) return fallback;
    if (typeof value !== 'boolean') {
      report(path, `${path.join('.')} must be true or false, got ${JSON.stringify(value)}`);
      return fallback;
    }
    return value;
  };
  const str = (path: (string | number)[], fallback: string): string => {
    const value = getPath(raw, path);
    if (value === undefined) return fallback;
    if (typeof value !== 'string' && typeof value !== 'number') {
      report(path, `${path.join('.')} must be a string, got ${JSON.stringify(value)}`);
      return fallback;
    }
    return String(value);
  };
  profile.serviceCIDR = cidrList(['serviceCIDR'], profile.serviceCIDR);
  profile.podCIDR = cidrList(['podCIDR'], profile.podCIDR);
  profile.clusterDomain = str(['clusterDomain'], profile.clusterDomain);
  profile.kubernetesVersion = str(['kubernetesVersion'], profile.kubernetesVersion);
  const version = getPath(raw, ['kubernetesVersion']);
  if (typeof version === 'number') {
    // YAML reads 1.30 as the number 1.3: what was written is not what is used.
    diagnostics.push({
      range: rangeAt(object, ['kubernetesVersion']),
      severity: 'warning',
      code: 'profile-invalid',
      message: `kubernetesVersion is the number ${version} (YAML reads an unquoted 1.30 as 1.3); quote it, as in kubernetesVersion: "1.33"`,
    });
  }
  const range = getPath(raw, ['nodePortRange']);
  if (range !== undefined) {
    const m = typeof range === 'string' ? /^\s*(\d+)\s*-\s*(\d+)\s*$/.exec(range) : null;
    const min = m ? Number(m[1]) : NaN;
    const max = m ? Number(m[2]) : NaN;
    if (!m || min < 1 || max > 65535 || min > max) {
      report(['nodePortRange'], `nodePortRange must look like 30000-32767, got ${JSON.stringify(range)}`);
    } else {
      profile.nodePortRange = { min, max };
    }
  }
  // A value of an enum field the schema does not accept is its finding; the default is used.
  const oneOf = (path: (string | number)[], values: readonly string[]): string | undefined => {
    const value = getPath(raw, path);
    return typeof value === 'string' && values.includes(value) ? value : undefined;
  };
  const mode = oneOf(['kubeProxy', 'mode'], PROXY_MODES);
  if (mode !== undefined) profile.kubeProxy.mode = mode as ProxyMode;
  const modeNote =
    mode === undefined ? undefined : profileFieldAt(['kubeProxy', 'mode'])?.notModelled?.[mode];
  if (modeNote !== undefined) {
    diagnostics.push({
      range: rangeAt(object, ['kubeProxy', 'mode']),
      severity: 'warning',
      code: 'profile-not-modelled',
      message: `kubeProxy.mode ${mode} is not modelled (${modeNote}); set it to iptables or nftables to see the rules of a mode kubepath models`,
    });
  }
  const detect = oneOf(['kubeProxy', 'detectLocalMode'], DETECT_LOCAL_MODES) ?? 'ClusterCIDR';
  const detectNote = profileFieldAt(['kubeProxy', 'detectLocalMode'])?.notModelled?.[detect];
  if (detectNote !== undefined) {
    diagnostics.push({
      range: rangeAt(object, ['kubeProxy', 'detectLocalMode']),
      severity: 'warning',
      code: 'profile-not-modelled',
      message: `kubeProxy.detectLocalMode ${detect} is not modelled (${detectNote}); ClusterCIDR is used`,
    });
  } else if (DETECT_LOCAL_MODES.includes(detect) && detect !== 'ClusterCIDR') {
    profile.kubeProxy.detectLocalMode = detect as 'NodeCIDR' | 'None';
  }
  profile.kubeProxy.clusterCIDR =
    getPath(raw, ['kubeProxy', 'clusterCIDR']) === ''
      ? ''
      : cidrList(['kubeProxy', 'clusterCIDR'], profile.podCIDR);
  profile.kubeProxy.masqueradeAll = bool(['kubeProxy', 'masqueradeAll'], false);
  profile.kubeProxy.localhostNodePorts = bool(['kubeProxy', 'localhostNodePorts'], true);
  profile.kubeProxy.randomFully = bool(['kubeProxy', 'randomFully'], true);
  profile.kubeProxy.conntrackTCPBeLiberal = bool(['kubeProxy', 'conntrackTCPBeLiberal'], false);
  const bit = getPath(raw, ['kubeProxy', 'masqueradeBit']);
  if (bit !== undefined) {
    if (typeof bit !== 'number' || !Number.isInteger(bit) || bit < 0 || bit > 31) {
      report(
        ['kubeProxy', 'masqueradeBit'],
        `kubeProxy.masqueradeBit must be an integer 0-31, got ${JSON.stringify(bit)}`,
      );
    } else profile.kubeProxy.masqueradeBit = bit;
  }
  const mark = getPath(raw, ['kubeProxy', 'masqueradeMark']);
  if (mark !== undefined) {
    // The mark as written into the rules; kube-proxy derives `0x00004000` from the bit, its tests use `0x4000`.
    if (typeof mark !== 'string' || !/^0x[0-9a-fA-F]{1,8}$/.test(mark)) {
      report(
        ['kubeProxy', 'masqueradeMark'],
        `kubeProxy.masqueradeMark must be hex like 0x4000, got ${JSON.stringify(mark)}`,
      );
    } else profile.kubeProxy.masqueradeMark = mark;
  }
  const npa = getPath(raw, ['kubeProxy', 'nodePortAddresses']);
  if (npa !== undefined) {
    if (!Array.isArray(npa))
      report(['kubeProxy', 'nodePortAddresses'], 'kubeProxy.nodePortAddresses must be a list of CIDRs');
    else {
      profile.kubeProxy.nodePortAddresses = [];
      npa.forEach((v, i) => {
        if (
          typeof v === 'string' &&
          (parseIPv4CIDR(v) || v === 'primary' || /^[0-9a-fA-F:]+:[0-9a-fA-F:]*\/\d{1,3}$/.test(v.trim()))
        )
          profile.kubeProxy.nodePortAddresses.push(v.trim());
        else report(['kubeProxy', 'nodePortAddresses', i], `not a CIDR: ${JSON.stringify(v)}`);
      });
    }
  }
  const provider = oneOf(['cloud', 'provider'], CLOUD_PROVIDERS);
  if (provider !== undefined) profile.cloud.provider = provider as CloudProvider;
  profile.cloud.loadBalancerIPPool = cidr(['cloud', 'loadBalancerIPPool'], profile.cloud.loadBalancerIPPool);
  profile.cloud.region = str(['cloud', 'region'], profile.cloud.region);
  const nodes = getPath(raw, ['nodes']);
  if (nodes !== undefined) {
    if (!Array.isArray(nodes) || nodes.length === 0) {
      report(['nodes'], 'nodes must be a non-empty list of {name, ip}');
    } else if (nodes.length > MAX_PROFILE_NODES) {
      diagnostics.push({
        range: rangeAt(object, ['nodes']),
        severity: 'error',
        code: 'profile-too-large',
        message: `${nodes.length} nodes is more than the ${MAX_PROFILE_NODES} a Kubernetes cluster supports; the built-in nodes are used`,
      });
    } else {
      profile.nodes = readNodes(nodes, profile.podCIDR, report);
    }
  } else if (profile.podCIDR !== '10.244.0.0/16') {
    profile.nodes = profile.nodes.map((n, i) => withPodCIDRs(n, nodePodCIDRs(profile.podCIDR, i + 1)));
  }
  for (const d of overlappingRanges(object, profile)) diagnostics.push(d);
  return { profile, diagnostics };
}

/** Clouds whose load-balancer addresses come from `cloud.loadBalancerIPPool`. */
const POOL_PROVIDERS: readonly CloudProvider[] = ['generic', 'gcp', 'azure', 'metallb'];

/**
 * serviceCIDR, podCIDR and the load-balancer pool must not overlap: a ClusterIP, a pod IP
 * and an ingress IP would be the same address, and kube-proxy's rules for one would
 * capture the others' traffic. Reported on the later of the two fields written.
 */
function overlappingRanges(object: LoadedObject, profile: ClusterProfile): Diagnostic[] {
  const ranges: { path: string[]; cidr: string }[] = [
    { path: ['serviceCIDR'], cidr: profile.serviceCIDR },
    { path: ['podCIDR'], cidr: profile.podCIDR },
  ];
  if (POOL_PROVIDERS.includes(profile.cloud.provider)) {
    ranges.push({ path: ['cloud', 'loadBalancerIPPool'], cidr: profile.cloud.loadBalancerIPPool });
  }
  const out: Diagnostic[] = [];
  const line = (path: string[]): number =>
    object.ranges.has(path.join('.')) ? rangeAt(object, path).line : 0;
  for (let i = 0; i < ranges.length; i++) {
    for (let j = i + 1; j < ranges.length; j++) {
      const a = ranges[i] as { path: string[]; cidr: string };
      const b = ranges[j] as { path: string[]; cidr: string };
      const pas = a.cidr.split(',').flatMap((c) => parseCIDR(c.trim()) ?? []);
      const pbs = b.cidr.split(',').flatMap((c) => parseCIDR(c.trim()) ?? []);
      const overlap = pas.some((pa) => pbs.some((pb) => cidrCovers(pa, pb) || cidrCovers(pb, pa)));
      if (!overlap) continue;
      const [here, other] = line(a.path) > line(b.path) ? [a, b] : [b, a];
      const otherLine = line(other.path);
      out.push({
        range: rangeAt(object, here.path),
        severity: 'error',
        code: 'profile-invalid',
        message: `${here.path.join('.')} ${here.cidr} overlaps ${other.path.join('.')} ${other.cidr}${otherLine > 0 ? ` (line ${otherLine})` : ' (the default)'}: the ranges must be disjoint, or ClusterIPs, pod IPs and load-balancer IPs collide`,
      });
    }
  }
  return out;
}

function readNodes(
  nodes: unknown[],
  podCIDR: string,
  report: (path: (string | number)[], message: string) => void,
): Node[] {
  const out: Node[] = [];
  const seen = new Set<string>();
  nodes.forEach((entry, i) => {
    if (!isPlainObject(entry)) {
      report(['nodes', i], 'each node must be a mapping like { name: node-1, ip: 172.18.0.2 }');
      return;
    }
    const name = entry['name'];
    if (typeof name !== 'string' || name === '') {
      report(['nodes', i], 'node needs a name');
      return;
    }
    if (seen.has(name)) {
      report(['nodes', i, 'name'], `duplicate node name "${name}"`);
      return;
    }
    seen.add(name);
    const ips: string[] = [];
    const ipValues =
      entry['ips'] !== undefined ? entry['ips'] : entry['ip'] !== undefined ? [entry['ip']] : [];
    if (!Array.isArray(ipValues)) report(['nodes', i, 'ips'], 'ips must be a list of IP addresses');
    else
      ipValues.forEach((ip, j) => {
        const v4 = typeof ip === 'string' ? normalizeIP(ip, { family: 'IPv4' }) : null;
        const v6 = typeof ip === 'string' ? normalizeIP(ip, { family: 'IPv6' }) : null;
        if (v4 !== null) ips.push(v4);
        else if (v6 !== null) ips.push(v6);
        else
          report(
            entry['ips'] !== undefined ? ['nodes', i, 'ips', j] : ['nodes', i, 'ip'],
            `not an IP address: ${JSON.stringify(ip)}`,
          );
      });
    if (ips.length === 0) report(['nodes', i], `node "${name}" needs an ip (or ips)`);
    let nodeCIDRs = nodePodCIDRs(podCIDR, i + 1);
    // spec.podCIDRs (one per family, primary first), or podCIDR written the same way.
    const written = entry['podCIDRs'] !== undefined ? entry['podCIDRs'] : entry['podCIDR'];
    if (written !== undefined) {
      const field = entry['podCIDRs'] !== undefined ? 'podCIDRs' : 'podCIDR';
      const text = Array.isArray(written) ? written.join(',') : written;
      const list = typeof text === 'string' ? dualStackCIDRs(text) : null;
      if (list !== null && list.every((c) => covers(podCIDR, c))) nodeCIDRs = list;
      else
        report(
          ['nodes', i, field],
          `${field} must be CIDRs inside the cluster podCIDR ${podCIDR} (one per family)`,
        );
    }
    const labels = kubeletLabels(name);
    for (const field of ['zone', 'region'] as const) {
      const value = entry[field];
      if (value === undefined) continue;
      if (typeof value !== 'string' || !isLabelValue(value)) {
        report(
          ['nodes', i, field],
          `${field} must be a label value (63 characters of [A-Za-z0-9_.-]), got ${JSON.stringify(value)}`,
        );
        continue;
      }
      // The cloud node controller sets the topology label and its deprecated beta twin.
      labels[`topology.kubernetes.io/${field}`] = value;
      labels[`failure-domain.beta.kubernetes.io/${field}`] = value;
    }
    if (isPlainObject(entry['labels'])) {
      // defineProperty: a `__proto__` label key stays a key (an assignment would drop it).
      for (const [k, v] of Object.entries(entry['labels'])) {
        Object.defineProperty(labels, k, {
          value: String(v),
          writable: true,
          enumerable: true,
          configurable: true,
        });
      }
    } else if (entry['labels'] !== undefined) report(['nodes', i, 'labels'], 'labels must be a mapping');
    const node: Node = withPodCIDRs({ name, ips, labels, podCIDR: '' }, nodeCIDRs);
    const taints = readTaints(entry['taints'], i, report);
    if (taints) node.taints = taints;
    node.allocatable = readAllocatable(entry['allocatable'], i, report);
    if (entry['unschedulable'] !== undefined) {
      if (typeof entry['unschedulable'] === 'boolean') node.unschedulable = entry['unschedulable'];
      else report(['nodes', i, 'unschedulable'], 'unschedulable must be true or false');
    }
    out.push(node);
  });
  return out.length > 0 ? out : defaultClusterProfile().nodes;
}

const TAINT_EFFECTS = accepted(['nodes', 0, 'taints', 0, 'effect']);

/** spec.taints: `{key, value?, effect}` each, effect one of the three the API server accepts. */
function readTaints(
  value: unknown,
  i: number,
  report: (path: (string | number)[], message: string) => void,
): NodeTaint[] | null {
  if (value === undefined) return null;
  if (!Array.isArray(value)) {
    report(['nodes', i, 'taints'], 'taints must be a list of {key, value, effect}');
    return null;
  }
  const taints: NodeTaint[] = [];
  value.forEach((t, j) => {
    const path = ['nodes', i, 'taints', j];
    if (!isPlainObject(t) || typeof t['key'] !== 'string' || t['key'] === '') {
      report(path, 'a taint needs a key');
      return;
    }
    const taintValue = t['value'] ?? '';
    if (typeof taintValue !== 'string' && typeof taintValue !== 'number') {
      report([...path, 'value'], 'a taint value must be a string');
      return;
    }
    if (typeof t['effect'] !== 'string' || !TAINT_EFFECTS.includes(t['effect'])) {
      // A wrong string is the schema's finding (with its did-you-mean); a missing or non-string one is here.
      if (typeof t['effect'] !== 'string')
        report(
          [...path, 'effect'],
          `effect must be one of ${TAINT_EFFECTS.join(', ')}, got ${JSON.stringify(t['effect'])}`,
        );
      return;
    }
    taints.push({ key: t['key'], value: String(taintValue), effect: t['effect'] });
  });
  return taints;
}

/**
 * status.allocatable: resource name → quantity (cpu `2` or `500m`, memory `8Gi`, pods `110`, …);
 * cpu, memory, ephemeral-storage and pods it leaves out (or all, when absent) are
 * DEFAULT_NODE_ALLOCATABLE's.
 */
function readAllocatable(
  value: unknown,
  i: number,
  report: (path: (string | number)[], message: string) => void,
): Record<string, string> {
  if (value === undefined) return { ...DEFAULT_NODE_ALLOCATABLE };
  if (!isPlainObject(value)) {
    report(
      ['nodes', i, 'allocatable'],
      'allocatable must be a mapping like {cpu: 4, memory: 16Gi, pods: 110}',
    );
    return { ...DEFAULT_NODE_ALLOCATABLE };
  }
  const out: Record<string, string> = {};
  for (const [name, quantity] of Object.entries(value)) {
    if ((typeof quantity !== 'string' && typeof quantity !== 'number') || parseQuantity(quantity) === null) {
      report(['nodes', i, 'allocatable', name], `not a quantity: ${JSON.stringify(quantity)}`);
      continue;
    }
    out[name] = String(quantity);
  }
  for (const [name, quantity] of Object.entries(DEFAULT_NODE_ALLOCATABLE)) {
    if (!Object.prototype.hasOwnProperty.call(out, name)) out[name] = quantity;
  }
  return out;
}

/**
 * `a` or `a,b` with at most one CIDR of each family, canonical (masked), primary first; null
 * when anything is not a CIDR or a family is given twice.
 */
export function dualStackCIDRs(text: string): string[] | null {
  const parts = text.split(',').map((t) => t.trim());
  if (parts.length === 0 || parts.length > 2) return null;
  const cidrs: CIDR[] = [];
  for (const part of parts) {
    const c = parseCIDR(part);
    if (c === null || cidrs.some((o) => o.family === c.family)) return null;
    cidrs.push(c);
  }
  return cidrs.map(formatCIDR);
}

/** The node with its pod CIDRs: podCIDR the primary one, podCIDRs all of them (dual-stack only). */
function withPodCIDRs(node: Node, cidrs: readonly string[]): Node {
  const out: Node = { ...node, podCIDR: cidrs[0] ?? '' };
  if (cidrs.length > 1) out.podCIDRs = [...cidrs];
  else delete out.podCIDRs;
  return out;
}

/** The i-th node's pod CIDR of each family of the cluster pod CIDR (a /24 for IPv4, a /64 for IPv6). */
export function nodePodCIDRs(podCIDR: string, index: number): string[] {
  return podCIDR.split(',').map((c) => nodePodCIDR(c.trim(), index));
}

/**
 * The i-th /24 of the pod CIDR (kube-controller-manager's node IPAM hands out /24s by default,
 * /64s for IPv6: --node-cidr-mask-size-ipv4 and -ipv6).
 */
export function nodePodCIDR(podCIDR: string, index: number): string {
  const v6 = parseCIDR(podCIDR.trim(), { family: 'IPv6' });
  if (v6) {
    const prefix = Math.max(v6.prefix, 64);
    return formatCIDR({
      family: 'IPv6',
      network: addressAt(v6, BigInt(index) << BigInt(bitsOf('IPv6') - prefix)).value,
      prefix,
    });
  }
  const parsed = parseIPv4CIDR(podCIDR);
  if (!parsed) return podCIDR;
  const prefix = Math.max(parsed.prefix, 24);
  const base = addressAt(parsed, BigInt(index) << BigInt(32 - prefix));
  return formatCIDR({ family: 'IPv4', network: base.value & 0xffffffffn, prefix });
}

/** Whether the CIDR `inner` lies inside `outer` (one of the comma-separated CIDRs of each family). */
function covers(outer: string, inner: string): boolean {
  const i = parseCIDR(inner.trim());
  return (
    i !== null &&
    outer.split(',').some((text) => {
      const o = parseCIDR(text.trim());
      return o !== null && cidrCovers(o, i);
    })
  );
}

function getPath(value: unknown, path: readonly (string | number)[]): unknown {
  let current: unknown = value;
  for (const segment of path) {
    if (typeof segment === 'number') {
      if (!Array.isArray(current)) return undefined;
      current = current[segment];
    } else {
      if (!isPlainObject(current)) return undefined;
      current = current[segment];
    }
  }
  return current;
}
