// Helm's own tests through the engine's Helm render stage (helm/helm release-3.21):
// - `helm template` goldens (cmd/helm/template_test.go TestTemplateCmd, helm-testdata/): each
//   case's chart and flags rendered and printed as helm template prints, byte for byte;
// - pkg/strvals parser_test.go (TestParseSet, TestParseJSON; strvals.json): compared as the Go
//   test compares, by yaml.Marshal of both maps;
// - pkg/engine funcs_test.go TestFuncs (helm-funcs.json): Helm's function map, output exact.
// A case listed in helm-known-gaps.json is run too, skipped with its reason, and fails the
// suite if it now passes (so the list only shrinks).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { describe, it } from 'node:test';
import type { Value } from '../../src/engine/render/gotemplate';
import type { HelmRenderOptions, HelmTemplateFormat } from '../../src/engine/render/helm';
import {
  formatHelmTemplate,
  helmTemplateSet,
  parseJsonInto,
  parseSet,
  renderChart,
} from '../../src/engine/render/helm';
import { yamlMarshal } from '../../src/engine/render/helm/encoding';
import { memoryFs } from '../../src/engine/render/kustomize';
import { helmFixtureDir } from './gotemplateFixtures';

interface GoldenCase {
  golden: string;
  chart: string | null;
  args: string[];
  wantError: boolean;
  notes: string;
}

const dataDir = join(helmFixtureDir, 'helm-testdata');
const index = JSON.parse(readFileSync(join(dataDir, 'index.json'), 'utf8')) as { cases: GoldenCase[] };
const knownGapsFile = join(helmFixtureDir, '..', '..', '..', 'unit', 'helm-known-gaps.json');
const knownGaps = JSON.parse(readFileSync(knownGapsFile, 'utf8')) as Record<string, string>;

/** The chart directory as the render layer's file system (texts and bytes), rooted at `/`. */
export function chartFs(dir: string): ReturnType<typeof memoryFs> {
  const texts: Record<string, string> = {};
  const binaries: Record<string, string> = {};
  const walk = (abs: string, rel: string): void => {
    for (const name of readdirSync(abs)) {
      const p = join(abs, name);
      const r = `${rel}/${name}`;
      if (statSync(p).isDirectory()) walk(p, r);
      else {
        const bytes = readFileSync(p);
        texts[r] = bytes.toString('utf8');
        binaries[r] = bytes.toString('latin1');
      }
    }
  };
  walk(dir, '');
  return memoryFs(texts, binaries);
}

/** helm template's flags (the subset TestTemplateCmd uses) → render options and print format. */
function options(args: readonly string[]): { render: HelmRenderOptions; format: HelmTemplateFormat } {
  const set: string[] = [];
  const valuesFiles: { name: string; text: string }[] = [];
  const apiVersions: string[] = [];
  const showOnly: string[] = [];
  let nameTemplate: string | undefined;
  let kubeVersion: string | undefined;
  const format = { includeCrds: false, skipTests: false, debug: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const next = (): string => args[++i] ?? '';
    if (a === '--set') set.push(next());
    else if (a === '--values' || a === '-f') {
      const name = next();
      valuesFiles.push({ name, text: readFileSync(join(dataDir, name), 'utf8') });
    } else if (a === '--name-template') nameTemplate = next();
    else if (a === '--kube-version') kubeVersion = next();
    else if (a === '--api-versions') apiVersions.push(next());
    else if (a === '--show-only') showOnly.push(next());
    else if (a === '--include-crds') format.includeCrds = true;
    else if (a === '--skip-tests') format.skipTests = true;
    else if (a === '--debug') format.debug = true;
    else throw new Error(`flag ${a} not handled by the harness`);
  }
  return {
    render: { set, valuesFiles, apiVersions, nameTemplate, kubeVersion },
    format: { ...format, showOnly },
  };
}

function outcome(c: GoldenCase): string | null {
  const want = readFileSync(join(dataDir, c.golden), 'utf8');
  if (c.chart === null) return 'no chart: a helm CLI usage error, not a render';
  const { render, format } = options(c.args);
  const result = renderChart(chartFs(join(dataDir, c.chart)), '/', render);
  const out = formatHelmTemplate(result, format);
  const got = out.stdout + (out.error ?? '');
  if (c.wantError !== (out.error !== undefined))
    return `error ${JSON.stringify(out.error ?? null)}, want ${c.wantError ? 'an error' : 'none'}; output starts ${JSON.stringify(got.slice(0, 300))}`;
  if (got === want) return null;
  let i = 0;
  while (i < got.length && got[i] === want[i]) i++;
  return `differs at ${i}: got ${JSON.stringify(got.slice(Math.max(0, i - 80), i + 120))}, want ${JSON.stringify(want.slice(Math.max(0, i - 80), i + 120))}`;
}

function check(t: TestContext, name: string, result: string | null): void {
  const gap = knownGaps[name];
  if (gap !== undefined) {
    assert.notEqual(result, null, `${name} is listed in helm-known-gaps.json but now passes: remove it`);
    t.skip(gap);
    return;
  }
  assert.equal(result, null, result ?? '');
}

interface StrvalsCase {
  func: 'Parse' | 'ParseString' | 'ParseJSON';
  str?: string;
  input?: string;
  got?: unknown;
  expect: unknown;
  err: boolean;
}
interface FuncsCase {
  tpl: string;
  expect: string;
  vars: unknown;
}
const strvals = JSON.parse(readFileSync(join(helmFixtureDir, 'strvals.json'), 'utf8')) as {
  cases: StrvalsCase[];
};
const funcs = JSON.parse(readFileSync(join(helmFixtureDir, 'helm-funcs.json'), 'utf8')) as {
  cases: FuncsCase[];
};

/** JSON → template values: objects are maps, whole numbers Go ints (the Go tests' literals). */
function toValue(v: unknown): Value {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : v;
  if (Array.isArray(v)) return v.map(toValue);
  return new Map(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, toValue(x)]));
}

function strvalsName(c: StrvalsCase): string {
  return `strvals: ${c.func} ${c.str ?? c.input ?? ''}`;
}

function strvalsOutcome(c: StrvalsCase): string | null {
  let got: Map<string, Value>;
  try {
    if (c.func === 'ParseJSON') {
      got = (c.got === null ? new Map() : toValue(c.got)) as Map<string, Value>;
      parseJsonInto(c.input ?? '', got);
    } else got = parseSet(c.str ?? '', c.func === 'ParseString');
  } catch (e) {
    return c.err ? null : `unexpected error ${(e as Error).message}`;
  }
  if (c.err) return `expected an error, got ${yamlMarshal(got)}`;
  const want = yamlMarshal(toValue(c.expect));
  const have = yamlMarshal(got);
  return want === have ? null : `got\n${have}want\n${want}`;
}

function funcsOutcome(c: FuncsCase): string | null {
  const set = helmTemplateSet();
  let out: string;
  try {
    set.parse('test', c.tpl);
    out = set.execute('test', toValue(c.vars));
  } catch (e) {
    return `error ${(e as Error).message}`;
  }
  return out === c.expect ? null : `got ${JSON.stringify(out)}, want ${JSON.stringify(c.expect)}`;
}

const funcsName = (c: FuncsCase, i: number): string => `funcs #${i + 1}: ${c.tpl}`;

void describe('conformance: pkg/strvals parser_test.go', () => {
  void it('covers the transcribed cases', () => {
    assert.equal(strvals.cases.length, 57);
  });
  for (const c of strvals.cases) void it(strvalsName(c), (t) => check(t, strvalsName(c), strvalsOutcome(c)));
});

void describe('conformance: pkg/engine funcs_test.go TestFuncs', () => {
  void it('covers the 22 cases', () => {
    assert.equal(funcs.cases.length, 22);
  });
  funcs.cases.forEach((c, i) => void it(funcsName(c, i), (t) => check(t, funcsName(c, i), funcsOutcome(c))));
});

void describe('conformance: helm template goldens (cmd/helm/template_test.go)', () => {
  void it('covers the 23 goldens', () => {
    assert.equal(index.cases.length, 23);
  });
  for (const c of index.cases) {
    void it(c.golden, (t) => check(t, c.golden, outcome(c)));
  }
  void it('helm-known-gaps.json lists only existing cases, each with a reason', () => {
    const names = new Set([
      ...index.cases.map((c) => c.golden),
      ...strvals.cases.map(strvalsName),
      ...funcs.cases.map(funcsName),
    ]);
    for (const [name, reason] of Object.entries(knownGaps)) {
      assert.ok(names.has(name), `helm-known-gaps.json lists unknown case ${name}`);
      assert.ok(reason.length > 20, `helm-known-gaps.json: ${name} needs a specific reason`);
    }
  });
});
