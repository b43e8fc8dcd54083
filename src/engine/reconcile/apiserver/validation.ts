// pkg/apis/core/validation ValidateService (+ ValidateObjectMeta and
// ValidateServiceClusterIPsRelatedFields), in the order the API server runs
// the checks, on the decoded and defaulted v1 object.
import {
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  isValidPortName,
  isValidPortNum,
} from './apimachineryValidation';
import type { Segments, V1Service, V1ServicePort } from './decode';
import { maskTrailingDash } from './objectMeta';
import { externallyAccessible } from './defaults';
import type { FieldError } from './fieldError';
import {
  duplicate,
  forbidden,
  goInt,
  goString,
  invalid,
  notSupported,
  required,
  withField,
} from './fieldError';
import { goServicePortKey, goStringSlice } from './goFormat';
import { parseCIDR, parseIP } from './ip';

const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const AFFINITIES = ['ClientIP', 'None'];
const TRAFFIC_POLICIES = ['Cluster', 'Local'];
const IP_FAMILIES = ['IPv4', 'IPv6'];
const IP_FAMILY_POLICIES = ['PreferDualStack', 'RequireDualStack', 'SingleStack'];
const MAX_CLIENT_IP_AFFINITY_SECONDS = 86400;

const ANNOTATION_TOPOLOGY_MODE = 'service.kubernetes.io/topology-mode';
const ANNOTATION_TOPOLOGY_HINTS = 'service.kubernetes.io/topology-aware-hints';
const ANNOTATION_LB_SOURCE_RANGES = 'service.beta.kubernetes.io/load-balancer-source-ranges';

export function isHeadless(service: V1Service): boolean {
  return service.spec.clusterIPs.length === 1 && service.spec.clusterIPs[0] === 'None';
}

/** apiservice.NeedsHealthCheck. */
export function needsHealthCheck(service: V1Service): boolean {
  return service.spec.type === 'LoadBalancer' && service.spec.externalTrafficPolicy === 'Local';
}

function annotationField(key: string): string {
  return `metadata.annotations[${key}]`;
}

function isValidCIDR(at: Segments, value: string, field?: string): FieldError[] {
  if (parseCIDR(value) !== null) return [];
  const error = invalid(
    at,
    goString(value),
    'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)',
  );
  return [field === undefined ? error : withField(error, field)];
}

function isValidIP(at: Segments, value: string): FieldError[] {
  if (parseIP(value) !== null) return [];
  return [invalid(at, goString(value), 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)')];
}

function validateLabels(labels: Record<string, string>, at: Segments): FieldError[] {
  const errs: FieldError[] = [];
  for (const [key, value] of Object.entries(labels)) {
    for (const msg of isQualifiedName(key)) errs.push(invalid(at, goString(key), msg));
    for (const msg of isValidLabelValue(value)) errs.push(invalid(at, goString(value), msg));
  }
  return errs;
}

function validateObjectMeta(service: V1Service): FieldError[] {
  const errs: FieldError[] = [];
  if (service.generateName !== '') {
    // NameIsDNS1035Label with prefix=true masks a trailing dash.
    const masked = maskTrailingDash(service.generateName);
    for (const msg of isDNS1035Label(masked)) {
      errs.push(invalid(['metadata', 'generateName'], goString(service.generateName), msg));
    }
  }
  if (service.name === '') {
    // With generateName the API server generates the name before validating it.
    if (service.generateName === '')
      errs.push(required(['metadata', 'name'], 'name or generateName is required'));
  } else {
    for (const msg of isDNS1035Label(service.name))
      errs.push(invalid(['metadata', 'name'], goString(service.name), msg));
  }
  if (service.namespace === '') errs.push(required(['metadata', 'namespace']));
  else {
    for (const msg of isDNS1123Label(service.namespace)) {
      errs.push(invalid(['metadata', 'namespace'], goString(service.namespace), msg));
    }
  }
  errs.push(...validateLabels(service.labels, ['metadata', 'labels']));
  for (const key of Object.keys(service.annotations)) {
    for (const msg of isQualifiedName(key.toLowerCase())) {
      errs.push(invalid(['metadata', 'annotations'], goString(key), msg));
    }
  }
  return errs;
}

function validateServicePort(
  port: V1ServicePort,
  requireName: boolean,
  allNames: Set<string>,
  at: Segments,
): FieldError[] {
  const errs: FieldError[] = [];
  if (requireName && port.name === '') {
    errs.push(required([...at, 'name']));
  } else if (port.name !== '') {
    for (const msg of isDNS1123Label(port.name))
      errs.push(invalid([...at, 'name'], goString(port.name), msg));
    if (allNames.has(port.name)) errs.push(duplicate([...at, 'name'], goString(port.name)));
    else allNames.add(port.name);
  }
  for (const msg of isValidPortNum(port.port)) errs.push(invalid([...at, 'port'], goInt(port.port), msg));
  if (port.protocol === '') errs.push(required([...at, 'protocol']));
  else if (!PROTOCOLS.includes(port.protocol)) {
    errs.push(notSupported([...at, 'protocol'], goString(port.protocol), PROTOCOLS));
  }
  if (typeof port.targetPort === 'number') {
    for (const msg of isValidPortNum(port.targetPort)) {
      errs.push(invalid([...at, 'targetPort'], goInt(port.targetPort), msg));
    }
  } else {
    for (const msg of isValidPortName(port.targetPort)) {
      errs.push(invalid([...at, 'targetPort'], goString(port.targetPort), msg));
    }
  }
  if (port.appProtocol !== null) {
    for (const msg of isQualifiedName(port.appProtocol)) {
      errs.push(invalid([...at, 'appProtocol'], goString(port.appProtocol), msg));
    }
  }
  // v1 tolerates targetPort != port on headless Services, so nothing to check for them.
  return errs;
}

/** ValidateServiceClusterIPsRelatedFields: clusterIP/clusterIPs/ipFamilies/ipFamilyPolicy. */
export function validateClusterIPsRelatedFields(service: V1Service): FieldError[] {
  const spec = service.spec;
  if (spec.type === 'ExternalName') return [];
  const errs: FieldError[] = [];
  let hasInvalidIPs = false;
  const clusterIPsAt: Segments = ['spec', 'clusterIPs'];
  const ipsValue = goStringSlice(spec.clusterIPs);

  if (spec.clusterIP !== '') {
    if (spec.clusterIPs.length === 0) errs.push(required(clusterIPsAt));
    else if (spec.clusterIPs[0] !== spec.clusterIP) {
      errs.push(invalid(clusterIPsAt, ipsValue, 'first value must match `clusterIP`'));
    }
  } else if (spec.clusterIPs.length !== 0) {
    errs.push(invalid(clusterIPsAt, ipsValue, 'must be empty when `clusterIP` is not specified'));
  }

  const seen = new Set<string>();
  spec.ipFamilies.forEach((family, i) => {
    if (!IP_FAMILIES.includes(family)) {
      errs.push(notSupported(['spec', 'ipFamilies', i], goString(family), IP_FAMILIES));
    }
    if (seen.has(family)) errs.push(duplicate(['spec', 'ipFamilies', i], goString(family)));
    seen.add(family);
  });

  if (spec.ipFamilyPolicy !== null && !IP_FAMILY_POLICIES.includes(spec.ipFamilyPolicy)) {
    errs.push(notSupported(['spec', 'ipFamilyPolicy'], goString(spec.ipFamilyPolicy), IP_FAMILY_POLICIES));
  }

  spec.clusterIPs.forEach((clusterIP, i) => {
    if (i === 0 && clusterIP === 'None') {
      if (spec.clusterIPs.length > 1) {
        hasInvalidIPs = true;
        errs.push(invalid(clusterIPsAt, ipsValue, "'None' must be the first and only value"));
      }
      return;
    }
    const ipErrs = isValidIP([...clusterIPsAt, i], clusterIP);
    if (ipErrs.length > 0) hasInvalidIPs = true;
    errs.push(...ipErrs);
  });

  if (spec.clusterIPs.length > 2) errs.push(invalid(clusterIPsAt, ipsValue, 'may only hold up to 2 values'));
  if (hasInvalidIPs) return errs;

  if (spec.clusterIPs.length > 1) {
    const families = new Set(spec.clusterIPs.map((ip) => parseIP(ip)?.family));
    if (!(families.has('IPv4') && families.has('IPv6'))) {
      errs.push(invalid(clusterIPsAt, ipsValue, 'may specify no more than one IP for each IP family'));
    }
  }

  if (!isHeadless(service) && spec.clusterIPs.length > 0 && spec.ipFamilies.length > 0) {
    spec.clusterIPs.forEach((ip, i) => {
      if (i > spec.ipFamilies.length - 1) return;
      const isV6 = parseIP(ip)?.family === 'IPv6';
      if (spec.ipFamilies[i] === 'IPv4' && isV6) {
        errs.push(
          invalid(
            [...clusterIPsAt, i],
            goString(ip),
            `expected an IPv4 value as indicated by \`ipFamilies[${i}]\``,
          ),
        );
      }
      if (spec.ipFamilies[i] === 'IPv6' && !isV6) {
        errs.push(
          invalid(
            [...clusterIPsAt, i],
            goString(ip),
            `expected an IPv6 value as indicated by \`ipFamilies[${i}]\``,
          ),
        );
      }
    });
  }
  return errs;
}

function validateNonSpecialIP(text: string, at: Segments): FieldError[] {
  const ip = parseIP(text);
  if (ip === null) return [invalid(at, goString(text), 'must be a valid IP address')];
  const errs: FieldError[] = [];
  const v4 = ip.family === 'IPv4';
  const value = ip.value;
  if (value === 0n) errs.push(invalid(at, goString(text), `may not be unspecified (${text})`));
  if (v4 ? value >> 24n === 127n : value === 1n) {
    errs.push(invalid(at, goString(text), 'may not be in the loopback range (127.0.0.0/8, ::1/128)'));
  }
  if (v4 ? value >> 16n === 0xa9fen : value >> 118n === 0x3fan) {
    errs.push(invalid(at, goString(text), 'may not be in the link-local range (169.254.0.0/16, fe80::/10)'));
  }
  if (v4 ? value >> 8n === 0xe00000n : value >> 112n === 0xff02n) {
    errs.push(
      invalid(at, goString(text), 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)'),
    );
  }
  return errs;
}

function validateExternalTrafficPolicy(service: V1Service): FieldError[] {
  const spec = service.spec;
  const errs: FieldError[] = [];
  const etpAt: Segments = ['spec', 'externalTrafficPolicy'];
  if (!externallyAccessible(spec.type, spec.externalIPs)) {
    if (spec.externalTrafficPolicy !== '') {
      errs.push(
        invalid(
          etpAt,
          goString(spec.externalTrafficPolicy),
          'may only be set for externally-accessible services',
        ),
      );
    }
  } else if (spec.externalTrafficPolicy === '') {
    errs.push(required(etpAt));
  } else if (!TRAFFIC_POLICIES.includes(spec.externalTrafficPolicy)) {
    errs.push(notSupported(etpAt, goString(spec.externalTrafficPolicy), TRAFFIC_POLICIES));
  }
  const hcnpAt: Segments = ['spec', 'healthCheckNodePort'];
  if (!needsHealthCheck(service)) {
    if (spec.healthCheckNodePort !== 0) {
      errs.push(
        invalid(
          hcnpAt,
          goInt(spec.healthCheckNodePort),
          "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'",
        ),
      );
    }
  } else if (spec.healthCheckNodePort !== 0) {
    // With a health check the allocator fills healthCheckNodePort before validation runs, so
    // Required never fires on create; a requested value is refused by the allocator first
    // when outside the node-port range, and by validation when not a port at all.
    for (const msg of isValidPortNum(spec.healthCheckNodePort)) {
      errs.push(invalid(hcnpAt, goInt(spec.healthCheckNodePort), msg));
    }
  }
  return errs;
}

export function validateService(service: V1Service): FieldError[] {
  const spec = service.spec;
  const errs = validateObjectMeta(service);

  const hints = service.annotations[ANNOTATION_TOPOLOGY_HINTS];
  const mode = service.annotations[ANNOTATION_TOPOLOGY_MODE];
  if (hints !== undefined && mode !== undefined && hints !== mode) {
    errs.push(
      withField(
        invalid(
          ['metadata', 'annotations', ANNOTATION_TOPOLOGY_MODE],
          goString(mode),
          `must match annotations[${ANNOTATION_TOPOLOGY_HINTS}] when both are specified`,
        ),
        annotationField(ANNOTATION_TOPOLOGY_MODE),
      ),
    );
  }

  if (spec.ports.length === 0 && !isHeadless(service) && spec.type !== 'ExternalName') {
    errs.push(required(['spec', 'ports']));
  }
  switch (spec.type) {
    case 'LoadBalancer':
    case 'NodePort':
      if (isHeadless(service)) {
        errs.push(
          invalid(
            ['spec', 'clusterIPs', 0],
            goString(spec.clusterIPs[0] ?? ''),
            `may not be set to 'None' for ${spec.type} services`,
          ),
        );
      }
      break;
    case 'ExternalName': {
      if (spec.clusterIPs.length > 0) {
        errs.push(forbidden(['spec', 'clusterIPs'], 'may not be set for ExternalName services'));
      }
      if (spec.ipFamilies.length > 0) {
        errs.push(forbidden(['spec', 'ipFamilies'], 'may not be set for ExternalName services'));
      }
      if (spec.ipFamilyPolicy !== null) {
        errs.push(forbidden(['spec', 'ipFamilyPolicy'], 'may not be set for ExternalName services'));
      }
      // A trailing dot marks the CNAME fully qualified.
      const cname = spec.externalName.endsWith('.') ? spec.externalName.slice(0, -1) : spec.externalName;
      if (cname.length > 0) {
        for (const msg of isDNS1123Subdomain(cname)) {
          errs.push(invalid(['spec', 'externalName'], goString(cname), msg));
        }
      } else {
        errs.push(required(['spec', 'externalName']));
      }
      break;
    }
  }

  const allNames = new Set<string>();
  spec.ports.forEach((port, i) => {
    errs.push(...validateServicePort(port, spec.ports.length > 1, allNames, ['spec', 'ports', i]));
  });

  if (spec.selector !== null) errs.push(...validateLabels(spec.selector, ['spec', 'selector']));

  if (spec.sessionAffinity === '') errs.push(required(['spec', 'sessionAffinity']));
  else if (!AFFINITIES.includes(spec.sessionAffinity)) {
    errs.push(notSupported(['spec', 'sessionAffinity'], goString(spec.sessionAffinity), AFFINITIES));
  }
  if (spec.sessionAffinity === 'ClientIP') {
    const configAt: Segments = ['spec', 'sessionAffinityConfig'];
    const detail = 'when session affinity type is ClientIP';
    const config = spec.sessionAffinityConfig;
    if (config === null) errs.push(required(configAt, detail));
    else if (config.clientIP === null) errs.push(required([...configAt, 'clientIP'], detail));
    else if (config.clientIP.timeoutSeconds === null) {
      errs.push(required([...configAt, 'clientIP', 'timeoutSeconds'], detail));
    } else {
      const timeout = config.clientIP.timeoutSeconds;
      if (timeout <= 0 || timeout > MAX_CLIENT_IP_AFFINITY_SECONDS) {
        errs.push(
          invalid(
            [...configAt, 'clientIP', 'timeoutSeconds'],
            goInt(timeout),
            `must be greater than 0 and less than ${MAX_CLIENT_IP_AFFINITY_SECONDS}`,
          ),
        );
      }
    }
  } else if (spec.sessionAffinity === 'None' && spec.sessionAffinityConfig !== null) {
    errs.push(forbidden(['spec', 'sessionAffinityConfig'], 'must not be set when session affinity is None'));
  }

  errs.push(...validateClusterIPsRelatedFields(service));

  spec.externalIPs.forEach((ip, i) => {
    const ipErrs = isValidIP(['spec', 'externalIPs', i], ip);
    errs.push(...(ipErrs.length > 0 ? ipErrs : validateNonSpecialIP(ip, ['spec', 'externalIPs', i])));
  });

  if (spec.type === '') errs.push(required(['spec', 'type']));
  else if (!SERVICE_TYPES.includes(spec.type)) {
    errs.push(notSupported(['spec', 'type'], goString(spec.type), SERVICE_TYPES));
  }

  if (spec.type === 'ClusterIP') {
    spec.ports.forEach((port, i) => {
      if (port.nodePort !== 0) {
        errs.push(forbidden(['spec', 'ports', i, 'nodePort'], "may not be used when `type` is 'ClusterIP'"));
      }
    });
  }

  const nodePorts = new Set<string>();
  spec.ports.forEach((port, i) => {
    if (port.nodePort === 0) return;
    const key = `${port.protocol}/${port.nodePort}`;
    if (nodePorts.has(key)) errs.push(duplicate(['spec', 'ports', i, 'nodePort'], goInt(port.nodePort)));
    nodePorts.add(key);
  });

  const ports = new Set<string>();
  spec.ports.forEach((port, i) => {
    const key = `${port.protocol}/${port.port}`;
    if (ports.has(key))
      errs.push(duplicate(['spec', 'ports', i], goServicePortKey(port.protocol, port.port)));
    ports.add(key);
  });

  if (spec.loadBalancerSourceRanges.length > 0) {
    // Upstream prints this path with a capital L.
    const field = 'spec.LoadBalancerSourceRanges';
    if (spec.type !== 'LoadBalancer') {
      errs.push(
        withField(
          forbidden(['spec', 'loadBalancerSourceRanges'], "may only be used when `type` is 'LoadBalancer'"),
          field,
        ),
      );
    }
    spec.loadBalancerSourceRanges.forEach((value, i) => {
      errs.push(...isValidCIDR(['spec', 'loadBalancerSourceRanges', i], value.trim(), `${field}[${i}]`));
    });
  } else if (service.annotations[ANNOTATION_LB_SOURCE_RANGES] !== undefined) {
    const at: Segments = ['metadata', 'annotations', ANNOTATION_LB_SOURCE_RANGES];
    const field = annotationField(ANNOTATION_LB_SOURCE_RANGES);
    if (spec.type !== 'LoadBalancer') {
      errs.push(withField(forbidden(at, "may only be used when `type` is 'LoadBalancer'"), field));
    }
    const value = (service.annotations[ANNOTATION_LB_SOURCE_RANGES] ?? '').trim();
    if (value !== '') {
      for (const cidr of value.split(',')) errs.push(...isValidCIDR(at, cidr.trim(), field));
    }
  }

  if (spec.allocateLoadBalancerNodePorts !== null && spec.type !== 'LoadBalancer') {
    errs.push(
      forbidden(['spec', 'allocateLoadBalancerNodePorts'], "may only be used when `type` is 'LoadBalancer'"),
    );
  }
  if (spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts === null) {
    // Upstream builds this path without "spec".
    errs.push(
      withField(required(['spec', 'allocateLoadBalancerNodePorts']), 'allocateLoadBalancerNodePorts'),
    );
  }

  if (spec.type === 'LoadBalancer') {
    if (spec.loadBalancerClass !== null) {
      for (const msg of isQualifiedName(spec.loadBalancerClass)) {
        errs.push(invalid(['spec', 'loadBalancerClass'], goString(spec.loadBalancerClass), msg));
      }
    }
  } else if (spec.loadBalancerClass !== null) {
    errs.push(forbidden(['spec', 'loadBalancerClass'], "may only be used when `type` is 'LoadBalancer'"));
  }

  errs.push(...validateExternalTrafficPolicy(service));

  if (spec.internalTrafficPolicy === null) {
    if (spec.type === 'NodePort' || spec.type === 'LoadBalancer' || spec.type === 'ClusterIP') {
      errs.push(required(['spec', 'internalTrafficPolicy']));
    }
  } else if (!TRAFFIC_POLICIES.includes(spec.internalTrafficPolicy)) {
    errs.push(
      notSupported(['spec', 'internalTrafficPolicy'], goString(spec.internalTrafficPolicy), TRAFFIC_POLICIES),
    );
  }

  if (spec.trafficDistribution !== null && spec.trafficDistribution !== 'PreferClose') {
    errs.push(
      notSupported(['spec', 'trafficDistribution'], goString(spec.trafficDistribution), ['PreferClose']),
    );
  }
  return errs;
}
