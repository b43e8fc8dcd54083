// Masterminds/semver v3 as Helm uses it: NewVersion's loose parsing (`v1`, `1.2`), and
// constraints (`^1.2`, `~1.2.3`, `>=1.0 <2.0`, `1.x`, `1.2 - 1.4`, `||`) for
// chartutil.IsCompatibleRange (dependency versions, kubeVersion).
export interface SemVer {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  readonly pre: string;
}

const LOOSE =
  /^v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?(-([0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*))?(\+([0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*))?$/;

export function parseSemver(v: string): SemVer | undefined {
  const m = LOOSE.exec(v);
  if (m === null) return undefined;
  const pre = m[5] ?? '';
  // semver v3 refuses numeric pre-release parts with leading zeros.
  if (pre.split('.').some((p) => /^0[0-9]+$/.test(p))) return undefined;
  return {
    major: Number(m[1]),
    minor: m[2] ? Number(m[2].slice(1)) : 0,
    patch: m[3] ? Number(m[3].slice(1)) : 0,
    pre,
  };
}

export function isValidSemver(v: string): boolean {
  return parseSemver(v) !== undefined;
}

function comparePre(a: string, b: string): number {
  if (a === b) return 0;
  if (a === '') return 1;
  if (b === '') return -1;
  const pa = a.split('.');
  const pb = b.split('.');
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (x === y) continue;
    const xn = /^[0-9]+$/.test(x);
    const yn = /^[0-9]+$/.test(y);
    if (xn && yn) return Number(x) < Number(y) ? -1 : 1;
    if (xn) return -1;
    if (yn) return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

export function compareSemver(a: SemVer, b: SemVer): number {
  if (a.major !== b.major) return a.major < b.major ? -1 : 1;
  if (a.minor !== b.minor) return a.minor < b.minor ? -1 : 1;
  if (a.patch !== b.patch) return a.patch < b.patch ? -1 : 1;
  return comparePre(a.pre, b.pre);
}

type Check = (v: SemVer) => boolean;

const WILD = /^[xX*]$/;

/** One `op version` term. */
function term(op: string, ver: string): Check | undefined {
  const parts = ver.replace(/^v/, '').split(/[-+]/)[0]?.split('.') ?? [];
  const wild = parts.map((p) => WILD.test(p));
  const dirty = wild.some((w) => w) || parts.length < 3;
  const nums = parts.map((p) => (WILD.test(p) ? 0 : Number(p)));
  if (nums.some((n) => !Number.isInteger(n))) return undefined;
  let base = parseSemver(ver.replace(/(\.[xX*])+/g, '').replace(/^[xX*]$/, '0'));
  if (ver === '' || WILD.test(ver)) base = { major: 0, minor: 0, patch: 0, pre: '' };
  if (base === undefined) return undefined;
  const b = base;
  const cmp = (v: SemVer): number => compareSemver(v, b);
  // A version with a pre-release only satisfies a constraint naming a pre-release.
  const preOk = (v: SemVer): boolean => v.pre === '' || b.pre !== '';
  const firstWild = wild.indexOf(true) >= 0 ? wild.indexOf(true) : parts.length < 3 ? parts.length : -1;
  const bump = (level: number): SemVer =>
    level <= 0
      ? { major: b.major + 1, minor: 0, patch: 0, pre: '' }
      : level === 1
        ? { major: b.major, minor: b.minor + 1, patch: 0, pre: '' }
        : { major: b.major, minor: b.minor, patch: b.patch + 1, pre: '' };
  switch (op) {
    case '':
    case '=':
      if (WILD.test(ver) || ver === '') return (v) => preOk(v);
      if (dirty) {
        const upper = bump(firstWild - 1);
        return (v) => preOk(v) && cmp(v) >= 0 && compareSemver(v, upper) < 0;
      }
      return (v) => cmp(v) === 0;
    case '!=':
      if (dirty) {
        const upper = bump(firstWild - 1);
        return (v) => preOk(v) && !(cmp(v) >= 0 && compareSemver(v, upper) < 0);
      }
      return (v) => preOk(v) && cmp(v) !== 0;
    case '>':
      if (dirty) {
        const upper = bump(firstWild - 1);
        return (v) => preOk(v) && compareSemver(v, upper) >= 0;
      }
      return (v) => preOk(v) && cmp(v) > 0;
    case '<':
      return (v) => preOk(v) && cmp(v) < 0;
    case '>=':
    case '=>':
      return (v) => preOk(v) && cmp(v) >= 0;
    case '<=':
    case '=<':
      if (dirty) {
        const upper = bump(firstWild - 1);
        return (v) => preOk(v) && compareSemver(v, upper) < 0;
      }
      return (v) => preOk(v) && cmp(v) <= 0;
    case '~':
    case '~>': {
      const upper = parts.length === 1 || wild[1] ? bump(0) : bump(1);
      return (v) => preOk(v) && cmp(v) >= 0 && compareSemver(v, upper) < 0;
    }
    case '^': {
      let upper: SemVer;
      if (b.major > 0 || parts.length === 1 || wild[1]) upper = bump(0);
      else if (b.minor > 0 || parts.length === 2 || wild[2]) upper = bump(1);
      else upper = bump(2);
      return (v) => preOk(v) && cmp(v) >= 0 && compareSemver(v, upper) < 0;
    }
  }
  return undefined;
}

/** semver.NewConstraint(c).Check(v); undefined when the constraint does not parse. */
export function parseConstraint(c: string): Check | undefined {
  const ors: Check[] = [];
  for (const alt of c.split('||')) {
    let text = alt.trim();
    // Hyphen ranges: `1.2 - 1.4.5`.
    text = text.replace(/([0-9A-Za-z.*+-]+)\s+-\s+([0-9A-Za-z.*+-]+)/g, '>= $1, <= $2');
    const ands: Check[] = [];
    const re = /(!=|>=|=>|<=|=<|~>|[=<>~^])?\s*(v?[0-9xX*][0-9A-Za-z.*+-]*)/gy;
    const rest = text.replace(/,/g, ' ').trim();
    let i = 0;
    while (i < rest.length) {
      while (rest[i] === ' ') i++;
      if (i >= rest.length) break;
      re.lastIndex = i;
      const m = re.exec(rest);
      if (m === null) return undefined;
      const t = term(m[1] ?? '', m[2] ?? '');
      if (t === undefined) return undefined;
      ands.push(t);
      i = re.lastIndex;
    }
    if (ands.length === 0) return undefined;
    ors.push((v) => ands.every((a) => a(v)));
  }
  return (v) => ors.some((o) => o(v));
}

/** chartutil.IsCompatibleRange: whether `version` satisfies `constraint` (false if either fails to parse). */
export function isCompatibleRange(constraint: string, version: string): boolean {
  const v = parseSemver(version);
  const c = parseConstraint(constraint);
  if (v === undefined || c === undefined) return false;
  return c(v);
}
