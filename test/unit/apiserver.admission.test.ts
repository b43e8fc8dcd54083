// runServiceApiServer end to end: defaulting, allocation across Services,
// prediction stability, explicit duplicates, decoding errors and quick fixes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadYamlFile } from '../../src/engine/load';
import type { AdmittedService } from '../../src/engine/reconcile/apiserver';
import { runServiceApiServer } from '../../src/engine/reconcile/apiserver';
import { testProfile } from './apiserverTestProfile';

function run(yaml: string, file = 'svc.yaml', profile = testProfile()) {
  const objects = loadYamlFile(file, yaml).objects.filter((o) => o.kind === 'Service');
  return runServiceApiServer(objects, profile);
}

function only(yaml: string): AdmittedService {
  const { services, diagnostics } = run(yaml);
  assert.deepEqual(
    diagnostics.map((d) => d.message),
    [],
  );
  const [service] = services;
  assert.ok(service);
  return service;
}

const svc = (name: string, spec: string, namespace = 'default'): string =>
  `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\nspec:\n${spec
    .trim()
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n')}\n`;

void test('defaulting (SetDefaults_Service and create-time allocation) table', () => {
  const cases: { name: string; spec: string; check: (a: AdmittedService) => void }[] = [
    {
      name: 'bare ClusterIP',
      spec: 'selector: {app: web}\nports:\n- port: 80',
      check: ({ service, clusterIPSource, nodePortSources, healthCheckNodePortSource }) => {
        assert.equal(service.type, 'ClusterIP');
        assert.equal(service.ports[0]?.protocol, 'TCP');
        assert.equal(service.ports[0]?.targetPort, 80);
        assert.equal(service.ports[0]?.nodePort, 0);
        assert.deepEqual(nodePortSources, ['defaulted']);
        assert.equal(service.sessionAffinity, 'None');
        assert.equal(service.internalTrafficPolicy, 'Cluster');
        assert.equal(service.externalTrafficPolicy, 'Cluster');
        assert.deepEqual(service.ipFamilies, ['IPv4']);
        assert.equal(clusterIPSource, 'predicted');
        assert.match(service.clusterIP, /^10\.96\./);
        assert.deepEqual(service.clusterIPs, [service.clusterIP]);
        assert.equal(healthCheckNodePortSource, null);
        assert.deepEqual(service.selector, { app: 'web' });
      },
    },
    {
      name: 'ClientIP affinity gets the 10800s timeout',
      spec: 'sessionAffinity: ClientIP\nselector: {app: web}\nports:\n- port: 80\n  targetPort: http',
      check: ({ service }) => {
        assert.equal(service.sessionAffinity, 'ClientIP');
        assert.equal(service.sessionAffinityTimeoutSeconds, 10800);
        assert.equal(service.ports[0]?.targetPort, 'http');
      },
    },
    {
      name: 'NodePort gets one node port per port from the dynamic band',
      spec: 'type: NodePort\nselector: {app: web}\nports:\n- {name: a, port: 80}\n- {name: b, port: 443, protocol: UDP}',
      check: ({ service, nodePortSources }) => {
        assert.deepEqual(nodePortSources, ['predicted', 'predicted']);
        for (const port of service.ports) assert.ok(port.nodePort >= 30086 && port.nodePort <= 32767);
        assert.notEqual(service.ports[0]?.nodePort, service.ports[1]?.nodePort);
      },
    },
    {
      name: 'same service port over TCP and UDP shares one node port',
      spec: 'type: NodePort\nselector: {app: dns}\nports:\n- {name: dns, port: 53, protocol: UDP}\n- {name: dns-tcp, port: 53, protocol: TCP}',
      check: ({ service }) => assert.equal(service.ports[0]?.nodePort, service.ports[1]?.nodePort),
    },
    {
      name: 'LoadBalancer with ETP Local gets a health check node port',
      spec: 'type: LoadBalancer\nexternalTrafficPolicy: Local\nselector: {app: web}\nports:\n- port: 8080\n  targetPort: 80',
      check: ({ service, healthCheckNodePortSource, nodePortSources }) => {
        assert.equal(healthCheckNodePortSource, 'predicted');
        assert.ok(service.healthCheckNodePort >= 30086);
        assert.notEqual(service.healthCheckNodePort, service.ports[0]?.nodePort);
        assert.deepEqual(nodePortSources, ['predicted']);
        assert.equal(service.externalTrafficPolicy, 'Local');
      },
    },
    {
      name: 'allocateLoadBalancerNodePorts false: only explicit node ports',
      spec: 'type: LoadBalancer\nallocateLoadBalancerNodePorts: false\nselector: {app: web}\nports:\n- {name: a, port: 80}\n- {name: b, port: 81, nodePort: 30001}',
      check: ({ service, nodePortSources }) => {
        assert.deepEqual(
          service.ports.map((p) => p.nodePort),
          [0, 30001],
        );
        assert.deepEqual(nodePortSources, ['defaulted', 'explicit']);
      },
    },
    {
      name: 'headless: no IP, explicit None',
      spec: 'clusterIP: None\nselector: {app: db}\nports:\n- port: 5432',
      check: ({ service, clusterIPSource }) => {
        assert.equal(service.clusterIP, 'None');
        assert.deepEqual(service.clusterIPs, ['None']);
        assert.equal(clusterIPSource, 'explicit');
        assert.deepEqual(service.ipFamilies, ['IPv4']);
      },
    },
    {
      name: 'headless without selector defaults to RequireDualStack families',
      spec: 'clusterIP: None\nports:\n- port: 5432',
      check: ({ service }) => {
        assert.deepEqual(service.ipFamilies, ['IPv4', 'IPv6']);
        assert.equal(service.selector, null);
      },
    },
    {
      name: 'ExternalName: no IP, no families',
      spec: 'type: ExternalName\nexternalName: db.example.com',
      check: ({ service, clusterIPSource }) => {
        assert.equal(service.clusterIP, '');
        assert.deepEqual(service.ipFamilies, []);
        assert.equal(clusterIPSource, 'defaulted');
      },
    },
    {
      name: 'explicit clusterIP is honoured',
      spec: 'clusterIP: 10.96.100.100\nselector: {app: web}\nports:\n- port: 80',
      check: ({ service, clusterIPSource }) => {
        assert.equal(service.clusterIP, '10.96.100.100');
        assert.equal(clusterIPSource, 'explicit');
      },
    },
  ];
  for (const c of cases) {
    try {
      c.check(only(svc('web', c.spec)));
    } catch (error) {
      assert.fail(`${c.name}: ${String(error)}`);
    }
  }
});

void test('kubernetes holds the first address and kube-dns .10, even when absent from the YAML', () => {
  const { diagnostics, services } = run(
    svc('a', 'clusterIP: 10.96.0.1\nselector: {app: a}\nports:\n- port: 80') +
      '---\n' +
      svc('b', 'clusterIP: 10.96.0.10\nselector: {app: b}\nports:\n- port: 80') +
      '---\n' +
      svc(
        'kube-dns',
        'clusterIP: 10.96.0.10\nselector: {k8s-app: kube-dns}\nports:\n- {name: dns, port: 53, protocol: UDP}',
        'kube-system',
      ) +
      '---\n' +
      svc('kubernetes', 'ports:\n- {name: https, port: 443, targetPort: 6443}'),
  );
  assert.deepEqual(
    diagnostics.map((d) => [d.code, d.message]),
    [
      [
        'service-invalid',
        'The Service "a" is invalid: spec.clusterIPs: Invalid value: []string{"10.96.0.1"}: failed to allocate IP 10.96.0.1: provided IP is already allocated (Service default/kubernetes already uses it)',
      ],
      [
        'service-invalid',
        'The Service "b" is invalid: spec.clusterIPs: Invalid value: []string{"10.96.0.10"}: failed to allocate IP 10.96.0.10: provided IP is already allocated (Service kube-system/kube-dns already uses it)',
      ],
    ],
  );
  assert.deepEqual(
    services.map((s) => [s.service.metadata.name, s.service.clusterIP, s.clusterIPSource, s.rejected]),
    [
      ['a', '10.96.0.1', 'explicit', true],
      ['b', '10.96.0.10', 'explicit', true],
      ['kube-dns', '10.96.0.10', 'explicit', false],
      ['kubernetes', '10.96.0.1', 'predicted', false],
    ],
  );
});

void test('explicit duplicates across Services: the second is refused and points at the first', () => {
  const { diagnostics } = run(
    svc(
      'first',
      'type: NodePort\nclusterIP: 10.96.5.5\nselector: {app: a}\nports:\n- {port: 80, nodePort: 30080}',
    ) +
      '---\n' +
      svc(
        'second',
        'type: NodePort\nclusterIP: 10.96.5.5\nselector: {app: b}\nports:\n- {port: 80, protocol: UDP, nodePort: 30080}',
      ),
  );
  assert.deepEqual(
    diagnostics.map((d) => [d.code, d.message, d.range.line, d.related?.[0]?.range.line]),
    [
      [
        'service-invalid',
        'The Service "second" is invalid: spec.clusterIPs: Invalid value: []string{"10.96.5.5"}: failed to allocate IP 10.96.5.5: provided IP is already allocated (Service default/first already uses it)',
        20,
        8,
      ],
      [
        'service-nodeport-duplicate',
        'The Service "second" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated (Service default/first already uses it)',
        23,
        11,
      ],
    ],
  );
  const fix = diagnostics[1]?.fixes?.[0];
  assert.ok(fix);
  assert.match(fix.title, /^Use free node port 3\d{4}$/);
});

void test('the same Service in two overlays is one Service: no duplicate findings, same picks', () => {
  const yaml = svc(
    'web',
    'type: NodePort\nclusterIP: 10.96.7.7\nselector: {app: a}\nports:\n- {port: 80, nodePort: 30080}\n- {name: b, port: 81}'.replace(
      '- {port: 80',
      '- {name: a, port: 80',
    ),
  );
  const objects = [...loadYamlFile('base.yaml', yaml).objects, ...loadYamlFile('overlay.yaml', yaml).objects];
  const { diagnostics, services } = runServiceApiServer(objects, testProfile());
  assert.deepEqual(
    diagnostics.map((d) => d.message),
    [],
  );
  assert.equal(services[0]?.service.ports[1]?.nodePort, services[1]?.service.ports[1]?.nodePort);
});

void test('predictions do not move when unrelated Services are added', () => {
  const web = svc(
    'web',
    'type: LoadBalancer\nexternalTrafficPolicy: Local\nselector: {app: web}\nports:\n- port: 80',
  );
  const before = run(web).services[0];
  const others = Array.from({ length: 30 }, (_, i) =>
    svc(
      `other-${i}`,
      `type: NodePort\nselector: {app: o${i}}\nports:\n- port: ${1000 + i}`,
      i % 2 === 0 ? 'default' : 'team',
    ),
  );
  const after = run([...others.slice(0, 15), web, ...others.slice(15)].join('---\n')).services.find(
    (s) => s.service.metadata.name === 'web',
  );
  assert.ok(before && after);
  assert.equal(after.service.clusterIP, before.service.clusterIP);
  assert.equal(after.service.ports[0]?.nodePort, before.service.ports[0]?.nodePort);
  assert.equal(after.service.healthCheckNodePort, before.service.healthCheckNodePort);
  // And the output is byte-for-byte deterministic.
  assert.deepEqual(run(web), run(web));
});

void test('wrong JSON types are decoding errors with the decoder text, and the Service is still modelled', () => {
  const { diagnostics, services } = run(
    svc(
      'web',
      'selector:\n  app: web\n  enabled: true\nports:\n- port: "80"\n  targetPort: 8080.5\n  nodeport: 30001',
    ),
  );
  assert.deepEqual(
    diagnostics.map((d) => d.message),
    [
      'Service in version "v1" cannot be handled as a Service: strict decoding error: unknown field "spec.ports[0].nodeport"',
      'Service in version "v1" cannot be handled as a Service: json: cannot unmarshal string into Go struct field ServicePort.spec.ports.port of type int32',
      'Service in version "v1" cannot be handled as a Service: json: cannot unmarshal number 8080.5 into Go value of type int32',
      'Service in version "v1" cannot be handled as a Service: json: cannot unmarshal bool into Go struct field ServiceSpec.spec.selector of type string',
    ],
  );
  assert.deepEqual(diagnostics[0]?.fixes?.[0]?.edits[0]?.newText, 'nodePort');
  const service = services[0];
  assert.ok(service);
  assert.equal(service.rejected, true);
  assert.equal(service.service.ports[0]?.port, 80);
  assert.match(service.service.clusterIP, /^10\.96\./);
});

void test('garbage never throws', () => {
  const inputs = [
    'apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec: 42\n',
    'apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec: {ports: {port: 80}}\n',
    'apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec: {ports: [7, null, {port: [1]}], clusterIPs: 5, type: 3}\n',
    'apiVersion: v1\nkind: Service\nmetadata: [1]\nspec: {clusterIP: "10.96.0.300", ports: [{port: 80}]}\n',
    'apiVersion: v2\nkind: Service\nmetadata: {name: x}\n',
  ];
  for (const input of inputs) {
    const { services, diagnostics } = run(input);
    assert.equal(services.length, 1, input);
    assert.ok(diagnostics.length > 0, input);
    assert.ok(services[0]?.rejected, input);
  }
});

void test('common mistakes get the API server text, the right code and a fix', () => {
  const cases: { spec: string; code: string; message: string; fix?: string }[] = [
    {
      spec: 'selector: {app: web}\nports:\n- port: 80\n- port: 443',
      code: 'service-port-name-required',
      message: 'spec.ports[0].name: Required value',
      fix: 'name: http\n    ',
    },
    {
      spec: 'selector: {app: web}\nports:\n- {port: 80, protocol: tcp}',
      code: 'service-invalid',
      message: 'spec.ports[0].protocol: Unsupported value: "tcp": supported values: "SCTP", "TCP", "UDP"',
      fix: 'TCP',
    },
    {
      spec: 'type: NodePort\nselector: {app: web}\nports:\n- {port: 80, nodePort: 80}',
      code: 'service-nodeport-out-of-range',
      message:
        'spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767',
    },
    {
      spec: 'externalTrafficPolicy: Local\nselector: {app: web}\nports:\n- port: 80',
      code: 'service-invalid',
      message:
        'spec.externalTrafficPolicy: Invalid value: "Local": may only be set for externally-accessible services',
    },
    {
      spec: 'type: Nodeport\nselector: {app: web}\nports:\n- port: 80',
      code: 'service-invalid',
      message:
        'spec.type: Unsupported value: "Nodeport": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"',
      fix: 'NodePort',
    },
    {
      spec: 'clusterIP: 10.0.0.5\nselector: {app: web}\nports:\n- port: 80',
      code: 'service-invalid',
      message:
        'spec.clusterIPs: Invalid value: []string{"10.0.0.5"}: failed to allocate IP 10.0.0.5: provided IP 10.0.0.5 is not in the valid range',
    },
    {
      spec: 'clusterIP: 10.96.0.300\nselector: {app: web}\nports:\n- port: 80',
      code: 'service-invalid',
      message:
        'spec.clusterIPs[0]: Invalid value: "10.96.0.300": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
    },
    {
      spec: 'type: LoadBalancer\nexternalTrafficPolicy: Local\nhealthCheckNodePort: 80\nselector: {app: web}\nports:\n- port: 80',
      code: 'service-nodeport-out-of-range',
      message:
        'Internal error occurred: failed to allocate requested HealthCheck NodePort 80: provided port is not in the valid range. The range of valid ports is 30000-32767',
    },
    {
      spec: 'sessionAffinity: ClientIP\nsessionAffinityConfig: {clientIP: {timeoutSeconds: 100000}}\nselector: {app: web}\nports:\n- port: 80',
      code: 'service-invalid',
      message:
        'spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 100000: must be greater than 0 and less than 86400',
    },
    {
      spec: 'selector: {app: web}\nports:\n- {port: 80, targetPort: very-long-port-name}',
      code: 'service-invalid',
      message:
        'spec.ports[0].targetPort: Invalid value: "very-long-port-name": must be no more than 15 characters',
    },
    {
      spec: 'type: NodePort\nipFamilyPolicy: RequireDualStack\nselector: {app: web}\nports:\n- port: 80',
      code: 'service-invalid',
      message:
        'spec.ipFamilyPolicy: Invalid value: "RequireDualStack": this cluster is not configured for dual-stack services',
    },
  ];
  for (const c of cases) {
    const { diagnostics } = run(svc('web', c.spec));
    const found = diagnostics.find((d) => d.message.includes(c.message));
    assert.ok(found, `${c.message}\n got: ${diagnostics.map((d) => d.message).join('\n')}`);
    assert.equal(found.code, c.code, c.message);
    assert.equal(found.severity, 'error');
    if (c.fix !== undefined) assert.equal(found.fixes?.[0]?.edits[0]?.newText, c.fix, c.message);
  }
});

void test('dual-stack profile: PreferDualStack gets one address per family', () => {
  const { services, diagnostics } = run(
    svc('web', 'ipFamilyPolicy: PreferDualStack\nselector: {app: web}\nports:\n- port: 80'),
    'svc.yaml',
    testProfile({ serviceCIDR: '10.96.0.0/16,fd00:10:96::/112' }),
  );
  assert.deepEqual(diagnostics, []);
  const service = services[0]?.service;
  assert.ok(service);
  assert.deepEqual(service.ipFamilies, ['IPv4', 'IPv6']);
  assert.match(service.clusterIPs[0] ?? '', /^10\.96\./);
  assert.match(service.clusterIPs[1] ?? '', /^fd00:10:96::/);
});

void test('diagnostic ranges sit on the offending field, or the nearest enclosing node', () => {
  const { diagnostics } = run(svc('web', 'selector: {app: web}\nports:\n- port: 80\n- port: 80\n  name: b'));
  const required = diagnostics.find((d) => d.code === 'service-port-name-required');
  const dup = diagnostics.find((d) => d.code === 'service-port-duplicate');
  assert.ok(required && dup);
  // ports[0] has no name: the range is the port's mapping (line 9).
  assert.deepEqual([required.range.line, required.range.column], [9, 5]);
  assert.deepEqual([dup.range.line, dup.range.column], [10, 5]);
});
