// What the loader reads from a resource the kustomize build printed, worked out from the
// value the build printed instead of parsing the text. The text is the build's own emitter's
// (render/kustomize/emit.ts: goyaml.v2's printer): every scalar on one line of block YAML is
// either plain, which the loader resolves as go-yaml v2 does (`resolveGoYamlV2`, the
// loader's own function), or quoted, which reads back as the string printed. Whatever could
// print otherwise — a string that may fold or break across lines, characters beyond
// printable ASCII, a number that is not finite, a key `<<` (a merge key when plain) or
// `__proto__`, two keys read as one, template markers, `items` (a List), deep nesting —
// answers undefined and the caller parses the text. So the answer is the parse's, or none
// (test/unit/built-value.test.ts compares the two over generated resources).
import { formatNumber, scalarStyle, sortedKeys } from '../render/kustomize/emit';
import type { Value, ValueMap } from '../render/kustomize/value';
import { isValueMap } from '../render/kustomize/value';
import { goJsonKey, resolveGoYamlV2 } from './goYamlScalars';

/** libyaml's best width: a plain or quoted scalar is folded at a space only past it. */
const BEST_WIDTH = 80;
/** Nesting answered for (the caller parses instead when kubepath.maxNestingDepth is set near it). */
export const READ_BACK_DEPTH = 48;
const MAX_DEPTH = READ_BACK_DEPTH;
const PRINTABLE = /^[\x20-\x7e]*$/;

class Unsupported extends Error {}
const UNSUPPORTED = new Unsupported();

/**
 * The JSON value loadYamlFile gives for `emitYaml(value)`'s document, or undefined when this
 * does not derive it. `raw` keys are in the printed order.
 */
export function readBackPrinted(value: ValueMap): Record<string, unknown> | undefined {
  if (Array.isArray(value['items'])) return undefined;
  try {
    return map(value, 0);
  } catch (e) {
    if (e instanceof Unsupported) return undefined;
    throw e;
  }
}

function map(m: ValueMap, depth: number): Record<string, unknown> {
  if (depth > MAX_DEPTH) throw UNSUPPORTED;
  const out: Record<string, unknown> = {};
  for (const k of sortedKeys(m)) {
    if (k === '<<' || k === '__proto__' || !PRINTABLE.test(k) || k.includes('{{')) throw UNSUPPORTED;
    const style = scalarStyle(k, true);
    const name = style === 'plain' ? goJsonKey(resolveGoYamlV2(k).value, k) : k;
    // Two keys read as one would be a duplicate (a warning of the loader's): parsed.
    if (name === null || Object.prototype.hasOwnProperty.call(out, name)) throw UNSUPPORTED;
    out[name] = node(m[k] ?? null, depth + 1, 2 * depth + k.length + 4);
  }
  return out;
}

/** `column`: a bound on the column the value starts at on its line. */
function node(v: Value, depth: number, column: number): unknown {
  if (Array.isArray(v)) {
    if (depth > MAX_DEPTH) throw UNSUPPORTED;
    return v.map((item) => node(item, depth + 1, 2 * depth + 4));
  }
  if (isValueMap(v)) return map(v, depth);
  if (v === null || typeof v === 'boolean') return resolveGoYamlV2(v === null ? 'null' : String(v)).value;
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || (Number.isInteger(v) && !Number.isSafeInteger(v))) throw UNSUPPORTED;
    return resolveGoYamlV2(formatNumber(v)).value;
  }
  if (!PRINTABLE.test(v) || v.includes('{{')) throw UNSUPPORTED;
  const style = scalarStyle(v, false);
  // Quoted, every character may take two (escapes, doubled quotes), plus the quotes.
  const width = style === 'plain' ? v.length : 2 * v.length + 2;
  if (style === 'literal' || (v.includes(' ') && column + width > BEST_WIDTH)) throw UNSUPPORTED;
  return style === 'plain' ? resolveGoYamlV2(v).value : v;
}
