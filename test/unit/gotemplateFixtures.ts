// Helpers for the Go text/template conformance corpus (test/fixtures/conformance/helm):
// locating the files, a JSON reader that keeps Go's int/float distinction, and the Go test's
// helper functions registered with their Go signatures.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { GoFunc, Value } from '../../src/engine/render/gotemplate';
import { FuncError, GoTyped, TypedMap, goFunc, sprintln } from '../../src/engine/render/gotemplate';

function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

export const helmFixtureDir = join(repoRoot(), 'test', 'fixtures', 'conformance', 'helm');

export function readFixture(name: string): string {
  return readFileSync(join(helmFixtureDir, name), 'utf8');
}

/**
 * JSON → template values: a number written with `.` or an exponent is a float64, any other an
 * int (JSON.parse would lose `0.0`); objects are maps, arrays slices. `kinds` gives a Go
 * numeric kind to the integers under a key (uint fields of the Go test structs).
 */
export function jsonToValue(text: string, kinds: Readonly<Record<string, 'uint' | 'uint16'>> = {}): Value {
  let i = 0;
  const ws = (): void => {
    while (i < text.length && ' \t\r\n'.includes(text[i]!)) i++;
  };
  const value = (key?: string): Value => {
    ws();
    const c = text[i]!;
    if (c === '{') {
      i++;
      const m = new Map<string, Value>();
      ws();
      if (text[i] === '}') {
        i++;
        return m;
      }
      for (;;) {
        ws();
        const k = value() as string;
        ws();
        i++; // ':'
        m.set(k, value(k));
        ws();
        if (text[i++] === '}') return m;
      }
    }
    if (c === '[') {
      i++;
      const a: Value[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return a;
      }
      for (;;) {
        a.push(value(key));
        ws();
        if (text[i++] === ']') return a;
      }
    }
    if (c === '"') {
      const start = i;
      i++;
      while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      i++;
      return JSON.parse(text.slice(start, i)) as string;
    }
    const m = /^(?:true|false|null|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(i, i + 64))!;
    i += m[0].length;
    if (m[0] === 'true') return true;
    if (m[0] === 'false') return false;
    if (m[0] === 'null') return null;
    if (/[.eE]/.test(m[0])) return Number(m[0]);
    const kind = key === undefined ? undefined : kinds[key];
    return kind === undefined ? BigInt(m[0]) : new GoTyped(kind, BigInt(m[0]));
  };
  return value();
}

/** Gives maps of ints the Go type the test struct declares (map[string]int), for zero values. */
export function typeMaps(v: Value, intMaps: ReadonlySet<string>): Value {
  if (!(v instanceof Map)) return v;
  const out = new Map<string, Value>();
  for (const [k, x] of v as ReadonlyMap<string, Value>) {
    if (intMaps.has(k) && x instanceof Map) out.set(k, new TypedMap(x as ReadonlyMap<string, Value>, 'int'));
    else if (Array.isArray(x) && k === 'SMSI')
      out.set(
        k,
        (x as Value[]).map((e) => (e instanceof Map ? new TypedMap(e, 'int') : e)),
      );
    else out.set(k, x);
  }
  return out;
}

function str(v: Value): string {
  return v as string;
}

/** exec_test.go's funcs map, with the Go signatures listed in text-template-exec.json testFuncs. */
export const TEST_FUNCS: ReadonlyMap<string, GoFunc> = new Map<string, GoFunc>([
  ['add', goFunc([], 'int', (a) => a.reduce<bigint>((s, x) => s + (x as bigint), 0n), 'int')],
  ['echo', goFunc(['interface {}'], 'interface {}', (a) => a[0])],
  [
    'makemap',
    goFunc(
      [],
      'map[string]interface {}',
      (a) => {
        if (a.length % 2 !== 0) throw new Error('bad makemap');
        const m = new TypedMap([], 'string');
        for (let i = 0; i < a.length; i += 2) m.set(str(a[i]), a[i + 1]);
        return m;
      },
      'string',
    ),
  ],
  ['mapOfThree', goFunc([], 'interface {}', () => new TypedMap([['three', 3n]], 'int'))],
  ['oneArg', goFunc(['string'], 'string', (a) => 'oneArg=' + str(a[0]))],
  ['twoArgs', goFunc(['string', 'string'], 'string', (a) => 'twoArgs=' + str(a[0]) + str(a[1]))],
  ['dddArg', goFunc(['int'], 'string', (a) => sprintln([a[0], a.slice(1)]), 'string')],
  ['returnInt', goFunc([], 'int', () => 7n)],
  ['valueString', goFunc(['string'], 'string', () => 'value is ignored')],
  ['zeroArgs', goFunc([], 'string', () => 'zeroArgs')],
  // exec_test.go also defines die (it panics) for the and/or short-circuit cases.
  [
    'die',
    goFunc([], 'bool', () => {
      throw new FuncError('die');
    }),
  ],
]);

/** parse_test.go's builtins map: printf and contains. */
export const PARSE_FUNCS: ReadonlyMap<string, GoFunc> = new Map<string, GoFunc>([
  ['printf', goFunc(['string'], 'string', () => '', 'interface {}')],
  ['contains', goFunc(['string', 'string'], 'bool', (a) => str(a[0]).includes(str(a[1])))],
]);
