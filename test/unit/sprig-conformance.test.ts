// Sprig's own tests (Masterminds/sprig 989da45d *_test.go, test/fixtures/conformance/helm/
// sprig.json) through src/engine/render/sprig and the Go text/template port. Every case is
// a subtest; a case listed in sprig-known-gaps.json is run too, skipped with its reason, and
// fails the suite if it now passes (so the list only shrinks).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { describe, it } from 'node:test';
import type { Value } from '../../src/engine/render/gotemplate';
import { TemplateSet } from '../../src/engine/render/gotemplate';
import { sprigFunctions } from '../../src/engine/render/sprig';
import { helmFixtureDir, jsonToValue, readFixture } from './gotemplateFixtures';

interface SprigCase {
  test: string;
  file: string;
  func: string;
  template: string;
  expected: string;
  notes: string;
}

const corpusText = readFixture('sprig.json');
const corpus = JSON.parse(corpusText) as { cases: SprigCase[]; counts: { cases: number } };
const knownGaps = JSON.parse(
  readFileSync(join(helmFixtureDir, '..', '..', '..', 'unit', 'sprig-known-gaps.json'), 'utf8'),
) as Record<string, string>;

/** Each case's data with Go's int/float split (read from the raw JSON text). */
function caseData(): Value[] {
  const start = corpusText.indexOf('"cases"');
  const all = jsonToValue(corpusText.slice(corpusText.indexOf('[', start))) as readonly Value[];
  return all.map((c) => (c as ReadonlyMap<string, Value>).get('data'));
}

/** `Test #n` names: a test function's cases numbered in corpus order. */
function caseNames(cases: readonly SprigCase[]): string[] {
  const seen = new Map<string, number>();
  return cases.map((c) => {
    const k = (seen.get(c.test) ?? 0) + 1;
    seen.set(c.test, k);
    return `${c.test} #${k}`;
  });
}

function run(c: SprigCase, data: Value): string | null {
  const set = new TemplateSet({
    funcs: sprigFunctions({ seed: 'conformance', nowMs: 0 }),
    missingKey: 'default',
  });
  let out: string;
  try {
    set.parse('test', c.template);
    out = set.execute('test', data);
  } catch (e) {
    return `unexpected error: ${(e as Error).message}`;
  }
  return out === c.expected ? null : `output ${JSON.stringify(out)}, want ${JSON.stringify(c.expected)}`;
}

function check(t: TestContext, name: string, outcome: string | null): void {
  const gap = knownGaps[name];
  if (gap !== undefined) {
    assert.notEqual(outcome, null, `${name} is listed in sprig-known-gaps.json but now passes: remove it`);
    t.skip(gap);
    return;
  }
  assert.equal(outcome, null, outcome ?? '');
}

void describe('conformance: Sprig v3 function tests (sprig.json)', () => {
  const data = caseData();
  const names = caseNames(corpus.cases);
  void it('covers every case', () => {
    assert.equal(corpus.cases.length, corpus.counts.cases);
  });
  corpus.cases.forEach((c, i) => {
    void it(`${names[i]}: ${c.template.slice(0, 60)}`, (t) => check(t, names[i]!, run(c, data[i])));
  });
});

void describe('conformance: sprig-known-gaps.json', () => {
  void it('lists only cases that exist, each with a reason', () => {
    const all = new Set(caseNames(corpus.cases));
    for (const [name, reason] of Object.entries(knownGaps)) {
      assert.ok(all.has(name), `sprig-known-gaps.json lists unknown case ${name}`);
      assert.ok(reason.length > 20, `sprig-known-gaps.json: ${name} needs a specific reason`);
    }
  });
});
