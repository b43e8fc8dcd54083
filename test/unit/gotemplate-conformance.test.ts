// Go's own text/template tests (go1.19.8 exec_test.go execTests + cmpTests, parse_test.go
// parseTests; test/fixtures/conformance/helm) through src/engine/render/gotemplate. Every
// case is a subtest; a case listed in known-gaps.json is run too, skipped with its reason,
// and fails the suite if it now passes (so the list only shrinks).
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { describe, it } from 'node:test';
import type { Value } from '../../src/engine/render/gotemplate';
import { GoTyped, TemplateSet, nodeString, parse } from '../../src/engine/render/gotemplate';
import { PARSE_FUNCS, TEST_FUNCS, jsonToValue, readFixture, typeMaps } from './gotemplateFixtures';

interface ExecCase {
  name: string;
  input: string;
  output: string;
  ok: boolean;
  notes: string;
}
interface ParseCase {
  name: string;
  input: string;
  ok: boolean;
  treeString: string;
}

const knownGaps = JSON.parse(readFixture('known-gaps.json')) as Record<string, string>;
const execFile = readFixture('text-template-exec.json');
const exec = JSON.parse(execFile) as { cases: ExecCase[]; counts: { kept: number } };
const parseFile = JSON.parse(readFixture('parse-errors.json')) as {
  cases: ParseCase[];
  counts: { cases: number };
};

/** The case data with Go's int/float split (raw JSON text) and the test structs' uint fields. */
function caseData(): Value[] {
  const start = execFile.indexOf('"cases"');
  const body = execFile.slice(execFile.indexOf('[', start));
  const kinds = { U16: 'uint16', Uthree: 'uint', Ufour: 'uint' } as const;
  const all = jsonToValue(body, kinds) as readonly Value[];
  const intMaps = new Set(['MSI', 'MSIone', 'MSIEmpty']);
  return all.map((c, i) => {
    const data = typeMaps((c as ReadonlyMap<string, Value>).get('data'), intMaps);
    // "dot uint": the Go test's data was uint(14).
    if (typeof data === 'bigint' && exec.cases[i]!.notes.includes('Go uint'))
      return new GoTyped('uint', data);
    return data;
  });
}

/** Unique subtest names: Go's tables repeat a few names. */
function uniqueNames(prefix: string, names: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return names.map((n) => {
    const k = (seen.get(n) ?? 0) + 1;
    seen.set(n, k);
    return k === 1 ? `${prefix}: ${n}` : `${prefix}: ${n} #${k}`;
  });
}

/** Runs one case: null when it behaves as Go's test expects, else what differed. */
type Outcome = string | null;

function runExec(c: ExecCase, data: Value): Outcome {
  const set = new TemplateSet({ funcs: TEST_FUNCS });
  let out: string;
  try {
    set.parse(c.name, c.input);
    out = set.execute(c.name, data);
  } catch (e) {
    return c.ok ? `unexpected error: ${(e as Error).message}` : null;
  }
  if (!c.ok) return `expected an error, got output ${JSON.stringify(out)}`;
  return out === c.output ? null : `output ${JSON.stringify(out)}, want ${JSON.stringify(c.output)}`;
}

function runParse(c: ParseCase): Outcome {
  let root: string;
  try {
    const trees = parse(c.name, c.input, PARSE_FUNCS);
    const main = trees.get(c.name);
    root = main === undefined ? '' : nodeString(main.root, true);
  } catch (e) {
    return c.ok ? `unexpected error: ${(e as Error).message}` : null;
  }
  if (!c.ok) return 'expected a parse error';
  return root === c.treeString ? null : `tree ${JSON.stringify(root)}, want ${JSON.stringify(c.treeString)}`;
}

function check(t: TestContext, name: string, outcome: Outcome): void {
  const gap = knownGaps[name];
  if (gap !== undefined) {
    assert.notEqual(outcome, null, `${name} is listed in known-gaps.json but now passes: remove it`);
    t.skip(gap);
    return;
  }
  assert.equal(outcome, null, outcome ?? '');
}

void describe('conformance: Go text/template execution (exec_test.go)', () => {
  const data = caseData();
  const names = uniqueNames(
    'exec',
    exec.cases.map((c) => c.name),
  );
  void it('covers every kept case', () => {
    assert.equal(exec.cases.length, exec.counts.kept);
  });
  exec.cases.forEach((c, i) => {
    void it(names[i], (t) => check(t, names[i]!, runExec(c, data[i])));
  });
});

void describe('conformance: Go text/template parsing (parse_test.go)', () => {
  const names = uniqueNames(
    'parse',
    parseFile.cases.map((c) => c.name),
  );
  void it('covers every case', () => {
    assert.equal(parseFile.cases.length, parseFile.counts.cases);
  });
  parseFile.cases.forEach((c, i) => {
    void it(names[i], (t) => check(t, names[i]!, runParse(c)));
  });
});

void describe('conformance: known-gaps.json', () => {
  void it('lists only cases that exist, each with a reason', () => {
    const all = new Set([
      ...uniqueNames(
        'exec',
        exec.cases.map((c) => c.name),
      ),
      ...uniqueNames(
        'parse',
        parseFile.cases.map((c) => c.name),
      ),
    ]);
    for (const [name, reason] of Object.entries(knownGaps)) {
      assert.ok(all.has(name), `known-gaps.json lists unknown case ${name}`);
      assert.ok(reason.length > 20, `known-gaps.json: ${name} needs a specific reason`);
    }
  });
});
