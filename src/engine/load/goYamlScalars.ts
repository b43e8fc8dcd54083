// Plain-scalar resolution as Kubernetes' YAML decoder does it: sigs.k8s.io/yaml over
// go-yaml v2 (resolve.go), YAML 1.1 flavoured. `yes/no/on/off/y/n` are booleans, `0120`
// is octal, `0b1010`/`0o17`/`0x1F` use Go's base prefixes, `_` is dropped from numbers
// (`8_0` is 80), timestamps and `1:30` stay strings, `<<` is left to the converter (a
// merge key only where it is a key). Also the key text sigs.k8s.io/yaml gives a
// non-string key when it converts the document to JSON.
import type { CollectionTag, ScalarTag, Tags } from 'yaml';

const TAG_PREFIX = 'tag:yaml.org,2002:';
const STR_TAG = `${TAG_PREFIX}str`;

type Resolved = { tag: 'null'; value: null } | { tag: 'bool'; value: boolean } | NumberResolved | StrResolved;
type NumberResolved = { tag: 'int' | 'float'; value: number };
type StrResolved = { tag: 'str'; value: string };

// resolve.go's map: the exact spellings, nothing else (`yES` is a string).
const MAP = new Map<string, Resolved>();
for (const s of ['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON'])
  MAP.set(s, { tag: 'bool', value: true });
for (const s of ['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF'])
  MAP.set(s, { tag: 'bool', value: false });
for (const s of ['', '~', 'null', 'Null', 'NULL']) MAP.set(s, { tag: 'null', value: null });
for (const s of ['.nan', '.NaN', '.NAN']) MAP.set(s, { tag: 'float', value: Number.NaN });
for (const s of ['.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF'])
  MAP.set(s, { tag: 'float', value: Number.POSITIVE_INFINITY });
for (const s of ['-.inf', '-.Inf', '-.INF']) MAP.set(s, { tag: 'float', value: Number.NEGATIVE_INFINITY });

/** resolve.go's resolveTable: the first characters that may start a non-string. */
const HINTED = /^[-+0-9.yYnNtTfFoO~]/;
/** resolve.go's yamlStyleFloat. */
const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
/** What strconv.ParseFloat accepts of a decimal that starts with `.` (Go float literal syntax). */
const DOT_FLOAT = /^\.[0-9](_?[0-9])*([eE][-+]?[0-9](_?[0-9])*)?$/;
/** strconv.ParseInt(s, 0, 64) syntax (after go-yaml dropped every `_`). */
const GO_INT = /^([-+]?)(?:0[xX]([0-9a-fA-F]+)|0[bB]([01]+)|0[oO]([0-7]+)|0([0-7]*)|([1-9][0-9]*))$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/** strconv.ParseInt(plain, 0, 64), then ParseUint: the integer or null. */
function parseGoInt(plain: string): number | null {
  const m = GO_INT.exec(plain);
  if (!m) return null;
  const [, sign, hex, bin, oct, legacyOct, dec] = m;
  let n: bigint;
  if (hex !== undefined) n = BigInt(`0x${hex}`);
  else if (bin !== undefined) n = BigInt(`0b${bin}`);
  else if (oct !== undefined) n = BigInt(`0o${oct}`);
  else if (legacyOct !== undefined) n = legacyOct === '' ? 0n : BigInt(`0o${legacyOct}`);
  else n = BigInt(dec ?? '0');
  if (sign === '-') n = -n;
  // ParseInt's int64 range, then ParseUint (no sign) up to 2^64-1.
  if (n >= INT64_MIN && n <= INT64_MAX) return Number(n);
  if (sign === '' && n <= UINT64_MAX) return Number(n);
  return null;
}

/** resolve(""/untagged, in) for a plain scalar: go-yaml v2's tag and Go value. */
export function resolveGoYamlV2(text: string): Resolved {
  if (text !== '' && !HINTED.test(text)) return { tag: 'str', value: text };
  const known = MAP.get(text);
  if (known) return known;
  const first = text.charCodeAt(0);
  if (first === DOT) {
    if (DOT_FLOAT.test(text)) {
      const value = Number(text.replace(/_/g, ''));
      if (Number.isFinite(value)) return { tag: 'float', value };
    }
    return { tag: 'str', value: text };
  }
  if ((first >= ZERO && first <= NINE) || first === PLUS || first === MINUS) {
    // Timestamps (`2001-12-14`) resolve, but decode into interface{} as their text: strings.
    const plain = text.includes('_') ? text.replace(/_/g, '') : text;
    const int = parseGoInt(plain);
    if (int !== null) return { tag: 'int', value: int };
    if (YAML_STYLE_FLOAT.test(plain)) {
      const value = Number(plain);
      // ParseFloat fails out of range (±Inf with ErrRange): go-yaml then keeps the string.
      if (Number.isFinite(value)) return { tag: 'float', value };
    }
  }
  return { tag: 'str', value: text };
}

const DOT = 46;
const ZERO = 48;
const NINE = 57;
const PLUS = 43;
const MINUS = 45;

/**
 * A plain scalar's value as go-yaml v2 gives it (strings for everything it does not
 * resolve). The one implicit tag of the schema: its test admits only texts that may
 * resolve to something else than a string; the rest take the schema's string tag.
 */
const implicit: ScalarTag = {
  tag: `${TAG_PREFIX}goyaml-v2-implicit`,
  default: true,
  test: /^(?:[-+0-9.yYnNtTfFoO~]|$)/,
  identify: () => false,
  resolve: (text: string) => resolveGoYamlV2(text).value,
};

/** `!!int 12`, `!!bool yes`…: resolve.go accepts the value only if it resolves to that tag. */
function explicit(name: 'null' | 'bool' | 'int' | 'float'): ScalarTag {
  return {
    tag: `${TAG_PREFIX}${name}`,
    default: false,
    identify: () => false,
    resolve: (text: string, onError: (message: string) => void) => {
      const resolved = resolveGoYamlV2(text);
      if (resolved.tag === name) return resolved.value;
      // A float tag takes an integer as a float.
      if (name === 'float' && resolved.tag === 'int') return resolved.value;
      onError(`cannot decode !!${resolved.tag} \`${text}\` as a !!${name}`);
      return text;
    },
  };
}

/** `!!timestamp`: decoded into interface{}, go-yaml v2 keeps the text (decode.go). */
const timestamp: ScalarTag = {
  tag: `${TAG_PREFIX}timestamp`,
  default: false,
  identify: () => false,
  resolve: (text: string) => text,
};

/** `!!binary`: go-yaml v2 gives the base64-decoded bytes as a Go string (JSON: UTF-8, U+FFFD for bad bytes). */
const binary: ScalarTag = {
  tag: `${TAG_PREFIX}binary`,
  default: false,
  identify: () => false,
  resolve: (text: string, onError: (message: string) => void) => {
    try {
      const raw = atob(text.replace(/\s+/g, ''));
      const bytes = new Uint8Array(raw.length);
      for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
      return new TextDecoder().decode(bytes);
    } catch {
      onError(`!!binary value contains invalid base64 data`);
      return text;
    }
  },
};

/** The schema's scalar tags (yaml's `customTags`): keeps its map, seq and str tags, replaces the rest. */
export function goYamlV2Tags(tags: Tags): Tags {
  const kept = tags.filter(
    (t): t is ScalarTag | CollectionTag =>
      typeof t === 'object' && (t.collection !== undefined || t.tag === STR_TAG),
  );
  return [
    ...kept,
    implicit,
    explicit('null'),
    explicit('bool'),
    explicit('int'),
    explicit('float'),
    timestamp,
    binary,
  ];
}

/**
 * The JSON key sigs.k8s.io/yaml makes of a mapping key go-yaml v2 resolved (`on:` →
 * `"true"`, `0x10:` → `"16"`, `1e3:` → `"1000"`), or null when it refuses the key
 * ("unsupported map key": null, and integers past int64 which go-yaml gives as uint64).
 * `source` is the key's text when it was a plain scalar (it tells a float from an int).
 */
export function goJsonKey(value: unknown, source: string | null): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value !== 'number') return null;
  const resolved = source === null ? null : resolveGoYamlV2(source);
  if (resolved?.tag === 'int') return Number.isSafeInteger(value) || value < 2 ** 63 ? String(value) : null;
  if (Number.isNaN(value)) return '.nan';
  if (value === Number.POSITIVE_INFINITY) return '.inf';
  if (value === Number.NEGATIVE_INFINITY) return '-.inf';
  return formatFloat32G(value);
}

/** strconv.FormatFloat(v, 'g', -1, 32): the shortest float32 digits; %e below 1e-4 and from 1e6. */
export function formatFloat32G(value: number): string {
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  const f = Math.fround(value);
  if (!Number.isFinite(f)) return f > 0 ? '+Inf' : '-Inf';
  let digits = '';
  let exponent = 0;
  for (let precision = 1; precision <= 9; precision++) {
    const text = Math.abs(f).toExponential(precision - 1);
    if (Math.fround(Number(text)) === Math.abs(f) || precision === 9) {
      const [mantissa = '', exp = '0'] = text.split('e');
      digits = mantissa.replace('.', '');
      exponent = Number(exp);
      break;
    }
  }
  const sign = f < 0 ? '-' : '';
  // Shortest: %e when the exponent is below -4 or at least 6 (eprec = 6 for shortest %g).
  if (exponent < -4 || exponent >= 6) {
    const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const abs = Math.abs(exponent);
    return `${sign}${mantissa}e${exponent < 0 ? '-' : '+'}${abs < 10 ? `0${abs}` : abs}`;
  }
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  if (digits.length <= exponent + 1) return `${sign}${digits}${'0'.repeat(exponent + 1 - digits.length)}`;
  return `${sign}${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}`;
}
