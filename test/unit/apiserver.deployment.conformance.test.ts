// test/fixtures/conformance/validation/deployment: 33 apps/v1 Deployment cases (TestValidateDeployment,
// TestValidatePorts put into the Deployment's container, and constructed ones), the fields on a
// Service's path: selector and template labels, container ports and their names. Each manifest
// goes through the whole reconciler (decoding, defaulting, ValidateDeployment where workloads are
// admitted); every expected `<fieldPath>: <message>` must be one error diagnostic on the
// Deployment, and nothing else an error. A case in known-gaps.json runs too, is skipped with its
// reason, and fails once it passes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { reconcile } from '../../src/engine/reconcile';
import { testProfile } from './apiserverTestProfile';
import type { Correction } from './validationConformance';
import { compareErrors, expectedTexts, loadCaseObjects, readCaseSet } from './validationConformance';

const { dir, cases, knownGaps } = readCaseSet('deployment');

const ERROR_BODY =
  'staging/src/k8s.io/apimachinery/pkg/util/validation/field/errors.go ErrorBody (a value whose pointer is a fmt.Stringer prints with String(); errors_test.go TestErrorBody "stringerPtr": `Invalid value: stringer: details`)';
const INTSTR =
  'staging/src/k8s.io/apimachinery/pkg/util/intstr/intstr.go: func (intstr *IntOrString) String()';
const PERCENT_MSG =
  "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')";

/**
 * Where a `derived` fixture message disagrees with upstream's source, the source wins. Each entry
 * is listed in the report with the fixture's text, the source's and where upstream says so.
 */
export const CORRECTIONS: Record<string, Correction> = {
  'dep-maxsurge-bad-percent': {
    expected: [`spec.strategy.rollingUpdate.maxSurge: Invalid value: 20Percent: ${PERCENT_MSG}`],
    fixture: 'Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"20Percent"}',
    source: `${ERROR_BODY}; ${INTSTR} (the StrVal)`,
    why: 'an IntOrString value prints with its String(), not %#v',
  },
  'dep-maxsurge-maxunavailable-zero': {
    expected: [
      'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0',
    ],
    fixture: 'Invalid value: intstr.IntOrString{Type:0, IntVal:0, StrVal:""}',
    source: `${ERROR_BODY}; ${INTSTR} (strconv.Itoa of the int)`,
    why: 'an IntOrString value prints with its String(), not %#v',
  },
  'dep-maxunavailable-over-100': {
    expected: [
      'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 110%: must not be greater than 100%',
    ],
    fixture: 'Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"110%"}',
    source: `${ERROR_BODY}; ${INTSTR}`,
    why: 'an IntOrString value prints with its String(), not %#v',
  },
  'dep-c-selector-empty': {
    expected: [
      'spec.selector: Invalid value: &LabelSelector{MatchLabels:map[string]string{},MatchExpressions:[]LabelSelectorRequirement{},}: empty selector is invalid for deployment',
    ],
    fixture:
      'Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)} (what servers print from before the Stringer check)',
    source: `${ERROR_BODY}; staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/generated.pb.go (gogo stringer: *LabelSelector has String(), same shape as func (this *APIGroup) String())`,
    why: 'spec.selector is a *metav1.LabelSelector, a Stringer, so it is printed with String() and not dereferenced to %#v (confidence medium: the String() body is inferred from its generated siblings)',
  },
};

let passed = 0;
void describe('conformance: Deployment validation (deployment)', () => {
  for (const c of cases) {
    void it(c.id, (t) => {
      const objects = loadCaseObjects(dir, c);
      const deployments = objects.filter((o) => o.kind === 'Deployment');
      assert.equal(deployments.length, 1, 'the case has one Deployment');
      const { state } = reconcile(objects, testProfile());
      const outcome = compareErrors(state.diagnostics, expectedTexts(c, CORRECTIONS[c.id]), deployments[0]!);
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
    t.diagnostic(`deployment conformance: ${passed}/${cases.length} passed`);
  });
});

void describe('conformance: deployment known-gaps.json and corrections', () => {
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
