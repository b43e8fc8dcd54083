// Masterminds/semver v3.4.0 as Sprig's semver and semverCompare use it: NewVersion's coercing
// parser (v prefix, missing minor/patch), the constraint grammar (=, !=, >, <, >=, <=, ~, ~>, ^,
// x/X/* wildcards, `a - b` ranges, `,` or space for AND, `||` for OR) and its prerelease rule
// (a prerelease version satisfies only a constraint group that names a prerelease itself).
// `semver` returns a *semver.Version whose methods templates call ($v.Major, $v.Compare …).
import type { GoFunc, Value } from '../gotemplate';
import { FuncError, GoObject, GoTyped } from '../gotemplate';
import { fn } from './convert';

export interface Version {
  readonly major: bigint;
  readonly minor: bigint;
  readonly patch: bigint;
  readonly pre: string;
  readonly metadata: string;
  readonly original: string;
}

const MAX_U64 = 2n ** 64n - 1n;
const NUM = /^[0-9]+$/;
const ALLOWED = /^[0-9A-Za-z-]+$/;

const looseVersion =
  /^v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?(-([0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*))?(\+([0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*))?$/;

function parseSegment(s: string): bigint {
  const n = BigInt(s);
  if (n > MAX_U64)
    throw new FuncError(
      `error parsing version segment: strconv.ParseUint: parsing "${s}": value out of range`,
    );
  return n;
}

function validatePrerelease(p: string): void {
  for (const part of p.split('.')) {
    if (part === '') throw new FuncError('invalid prerelease string');
    if (NUM.test(part)) {
      if (part.length > 1 && part[0] === '0') throw new FuncError('version segment starts with 0');
    } else if (!ALLOWED.test(part)) throw new FuncError('invalid prerelease string');
  }
}

function validateMetadata(m: string): void {
  for (const part of m.split('.'))
    if (part === '' || !ALLOWED.test(part)) throw new FuncError('invalid metadata string');
}

/** semver.NewVersion (CoerceNewVersion). */
export function parseVersion(v: string): Version {
  const m = looseVersion.exec(v);
  if (m === null) throw new FuncError('invalid semantic version');
  const version: Version = {
    major: parseSegment(m[1]!),
    minor: m[2] ? parseSegment(m[2].slice(1)) : 0n,
    patch: m[3] ? parseSegment(m[3].slice(1)) : 0n,
    pre: m[5] ?? '',
    metadata: m[8] ?? '',
    original: v,
  };
  if (version.pre !== '') validatePrerelease(version.pre);
  if (version.metadata !== '') validateMetadata(version.metadata);
  return version;
}

export function versionString(v: Version): string {
  let s = `${v.major}.${v.minor}.${v.patch}`;
  if (v.pre !== '') s += `-${v.pre}`;
  if (v.metadata !== '') s += `+${v.metadata}`;
  return s;
}

function comparePrePart(s: string, o: string): number {
  if (s === o) return 0;
  if (s === '') return o !== '' ? -1 : 1;
  if (o === '') return 1;
  const sNum = NUM.test(s) && BigInt(s) <= MAX_U64;
  const oNum = NUM.test(o) && BigInt(o) <= MAX_U64;
  if (!sNum && !oNum) return s > o ? 1 : -1;
  if (!oNum) return -1;
  if (!sNum) return 1;
  return BigInt(s) > BigInt(o) ? 1 : -1;
}

function comparePrerelease(v: string, o: string): number {
  const sp = v.split('.');
  const op = o.split('.');
  for (let i = 0; i < Math.max(sp.length, op.length); i++) {
    const d = comparePrePart(sp[i] ?? '', op[i] ?? '');
    if (d !== 0) return d;
  }
  return 0;
}

export function compareVersions(v: Version, o: Version): number {
  for (const k of ['major', 'minor', 'patch'] as const) if (v[k] !== o[k]) return v[k] < o[k] ? -1 : 1;
  if (v.pre === '' && o.pre === '') return 0;
  if (v.pre === '') return 1;
  if (o.pre === '') return -1;
  return comparePrerelease(v.pre, o.pre);
}

// The constraint grammar's regular expressions, as semver builds them (Go RE2 syntax, which
// JavaScript reads the same way here; `[0-9|x|X|\*]` includes a literal `|`, as upstream).
const cv =
  String.raw`v?([0-9|x|X|\*]+)(\.[0-9|x|X|\*]+)?(\.[0-9|x|X|\*]+)?` +
  String.raw`(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?` +
  String.raw`(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?`;
const ops = String.raw`=||!=|>|<|>=|=>|<=|=<|~|~>|\^`;
const sp = '[\\t\\n\\f\\r ]';
const constraintRegex = new RegExp(`^${sp}*(${ops})${sp}*(${cv})${sp}*$`);
const constraintRangeRegex = new RegExp(`${sp}*(${cv})${sp}+-${sp}+(${cv})${sp}*`, 'g');
const findConstraintRegex = new RegExp(`(${ops})${sp}*(${cv})`, 'g');
const validConstraintRegex = new RegExp(
  `^(${sp}*(${ops})${sp}*(${cv})${sp}*)((?:${sp}+|,${sp}*)(${ops})${sp}*(${cv})${sp}*)*$`,
);

interface Constraint {
  readonly con: Version;
  readonly orig: string;
  readonly op: string;
  readonly minorDirty: boolean;
  readonly patchDirty: boolean;
  readonly dirty: boolean;
}

const isX = (x: string): boolean => x === 'x' || x === '*' || x === 'X';

function parseConstraint(c: string): Constraint {
  const m = constraintRegex.exec(c);
  if (m === null) throw new FuncError(`improper constraint: ${c}`);
  const [, op, orig, major = '', minorPart = '', patchPart = '', pre = ''] = m;
  let ver = orig!;
  let minorDirty = false;
  let patchDirty = false;
  let dirty = false;
  if (isX(major) || major === '') {
    ver = `0.0.0${pre}`;
    dirty = true;
  } else if (isX(minorPart.replace(/^\./, '')) || minorPart === '') {
    minorDirty = true;
    dirty = true;
    ver = `${major}.0.0${pre}`;
  } else if (isX(patchPart.replace(/^\./, '')) || patchPart === '') {
    dirty = true;
    patchDirty = true;
    ver = `${major}${minorPart}.0${pre}`;
  }
  let con: Version;
  try {
    con = parseVersion(ver);
  } catch {
    throw new FuncError('constraint parser error');
  }
  return { con, orig: orig!, op: op!, minorDirty, patchDirty, dirty };
}

/** semver.NewConstraint: groups of AND-ed constraints, OR-ed; each group knows if it names a prerelease. */
export function parseConstraints(text: string): { groups: Constraint[][]; hasPre: boolean[] } {
  const rewritten = text.replace(constraintRangeRegex, (_all, a: string, ...rest: unknown[]) => {
    // The second version is capture 11 of the match (after the first version's 10 groups).
    const b = rest[9] as string;
    return `>= ${a}, <= ${b} `;
  });
  const groups: Constraint[][] = [];
  const hasPre: boolean[] = [];
  for (const or of rewritten.split('||')) {
    if (!validConstraintRegex.test(or)) throw new FuncError(`improper constraint: ${or}`);
    const found = [...or.matchAll(findConstraintRegex)].map((x) => x[0]);
    const cs = (found.length === 0 ? [or] : found).map(parseConstraint);
    groups.push(cs);
    hasPre.push(cs.some((c) => c.con.pre !== ''));
  }
  return { groups, hasPre };
}

function check(v: Version, c: Constraint, includePre: boolean): boolean {
  if (v.pre !== '' && !includePre) return false;
  const cmp = compareVersions(v, c.con);
  const tilde = (): boolean => {
    if (cmp < 0) return false;
    if (c.con.major === 0n && c.con.minor === 0n && c.con.patch === 0n && !c.minorDirty && !c.patchDirty)
      return true;
    if (v.major !== c.con.major) return false;
    return !(v.minor !== c.con.minor && !c.minorDirty);
  };
  switch (c.op) {
    case '':
    case '=':
      return c.dirty ? tilde() : cmp === 0;
    case '!=':
      if (c.dirty) {
        if (c.con.major !== v.major) return true;
        if (c.con.minor !== v.minor && !c.minorDirty) return true;
        if (c.minorDirty) return false;
        if (c.con.patch !== v.patch && !c.patchDirty) return true;
        if (c.patchDirty) {
          if (v.pre !== '' || c.con.pre !== '') return comparePrerelease(v.pre, c.con.pre) !== 0;
          return false;
        }
      }
      return cmp !== 0;
    case '>':
      if (!c.dirty) return cmp === 1;
      if (v.major > c.con.major) return true;
      if (v.major < c.con.major) return false;
      if (c.minorDirty) return false;
      if (c.patchDirty) return v.minor > c.con.minor;
      return cmp === 1;
    case '<':
      return cmp < 0;
    case '>=':
    case '=>':
      return cmp >= 0;
    case '<=':
    case '=<':
      if (!c.dirty) return cmp <= 0;
      if (v.major > c.con.major) return false;
      return !(v.major === c.con.major && v.minor > c.con.minor && !c.minorDirty);
    case '~':
    case '~>':
      return tilde();
    case '^':
      if (cmp < 0) return false;
      if (c.con.major > 0n || c.minorDirty) return v.major === c.con.major;
      if (c.con.major === 0n && v.major > 0n) return false;
      if (c.con.minor > 0n || c.patchDirty) return v.minor === c.con.minor;
      if (c.con.minor === 0n && v.minor > 0n) return false;
      return c.con.patch === v.patch;
    default:
      return false;
  }
}

/** sprig's semverCompare: NewConstraint, then NewVersion, then Constraints.Check. */
export function semverCompare(constraint: string, version: string): boolean {
  const { groups, hasPre } = parseConstraints(constraint);
  const v = parseVersion(version);
  return groups.some((g, i) => g.every((c) => check(v, c, hasPre[i]!)));
}

const PTR = '*semver.Version';
const VAL = 'semver.Version';

/** A Version as a Go value: the pointer NewVersion returns, or the struct IncMajor, IncMinor and IncPatch return. */
export function versionValue(v: Version, pointer = true): GoObject<Version> {
  const u64 = (n: bigint): Value => new GoTyped('uint64', n);
  const derived = (next: Omit<Version, 'original'>): GoObject<Version> => {
    const prefix = v.original.startsWith('v') ? 'v' : '';
    return versionValue({ ...next, original: prefix + versionString({ ...next, original: '' }) }, false);
  };
  const other = (a: Value): Version => (a as GoObject<Version>).payload;
  const methods = new Map<string, GoFunc>([
    ['String', fn([], 'string', () => versionString(v))],
    ['Major', fn([], 'uint64', () => u64(v.major))],
    ['Minor', fn([], 'uint64', () => u64(v.minor))],
    ['Patch', fn([], 'uint64', () => u64(v.patch))],
    ['Prerelease', fn([], 'string', () => v.pre)],
    ['Metadata', fn([], 'string', () => v.metadata)],
    [
      'IncPatch',
      fn([], VAL, () =>
        derived(
          v.pre !== ''
            ? { ...v, pre: '', metadata: '' }
            : { ...v, pre: '', metadata: '', patch: v.patch + 1n },
        ),
      ),
    ],
    ['IncMinor', fn([], VAL, () => derived({ ...v, pre: '', metadata: '', patch: 0n, minor: v.minor + 1n }))],
    [
      'IncMajor',
      fn([], VAL, () => derived({ ...v, pre: '', metadata: '', patch: 0n, minor: 0n, major: v.major + 1n })),
    ],
  ]);
  if (pointer) {
    methods.set(
      'Original',
      fn([], 'string', () => v.original),
    );
    methods.set(
      'Compare',
      fn([PTR], 'int', (a) => BigInt(compareVersions(v, other(a[0])))),
    );
    methods.set(
      'LessThan',
      fn([PTR], 'bool', (a) => compareVersions(v, other(a[0])) < 0),
    );
    methods.set(
      'LessThanEqual',
      fn([PTR], 'bool', (a) => compareVersions(v, other(a[0])) <= 0),
    );
    methods.set(
      'GreaterThan',
      fn([PTR], 'bool', (a) => compareVersions(v, other(a[0])) > 0),
    );
    methods.set(
      'GreaterThanEqual',
      fn([PTR], 'bool', (a) => compareVersions(v, other(a[0])) >= 0),
    );
    methods.set(
      'Equal',
      fn([PTR], 'bool', (a) => a[0] === null || compareVersions(v, other(a[0])) === 0),
    );
  }
  return new GoObject<Version>(pointer ? PTR : VAL, pointer ? 'ptr' : 'struct', versionString(v), methods, v);
}

export function semverFunctions(): Map<string, GoFunc> {
  return new Map<string, GoFunc>([
    ['semver', fn(['string'], PTR, (a) => versionValue(parseVersion(a[0] as string)))],
    ['semverCompare', fn(['string', 'string'], 'bool', (a) => semverCompare(a[0] as string, a[1] as string))],
  ]);
}
