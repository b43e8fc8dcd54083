// A parsed YAML document → the JSON value Kubernetes' decoder makes of it
// (sigs.k8s.io/yaml YAMLToJSON over go-yaml v2, non-strict, as kubectl reads files):
// scalars as goYamlScalars resolved them; aliases expanded; `<<` merge keys applied in
// go-yaml v2's order (a merge overwrites the keys before it, the keys after it win,
// and of a list of maps the earlier wins); a duplicate key keeps its last value (a
// warning, not an error: kubectl never sees it); keys converted to JSON strings
// (`on:` is "true"). One walk, no second parse.
import { isAlias, isMap, isPair, isScalar, isSeq } from 'yaml';
import type { Document, Node as YamlNode, Pair } from 'yaml';
import { goJsonKey } from './goYamlScalars';

export interface GoJsonProblem {
  /** [start, end) offsets in the text. */
  at: number;
  end: number;
  message: string;
}

export interface GoJsonResult {
  /** undefined when `problem` is set (the document cannot be converted, as in Kubernetes). */
  value?: unknown;
  problem?: GoJsonProblem;
  /** Duplicate keys: the range of the later key, and the line-independent text. */
  duplicates: GoJsonProblem[];
}

const MERGE_TAG = 'tag:yaml.org,2002:merge';
const CONVERT = 'error converting YAML to JSON: ';

class Stop extends Error {
  constructor(readonly problem: GoJsonProblem) {
    super(problem.message);
  }
}

function rangeOf(node: unknown): [number, number] {
  const range = (node as { range?: [number, number, number] } | null)?.range;
  return range ? [range[0], range[1]] : [0, 0];
}

/** go-yaml v2's isMerge: a plain `<<` key (or one tagged !!merge). */
function isMergeKey(key: unknown): boolean {
  if (!isScalar(key) || key.source !== '<<') return false;
  return key.tag === MERGE_TAG || (key.tag === undefined && key.type === 'PLAIN');
}

function setKey(out: Record<string, unknown>, name: string, value: unknown): void {
  if (name === '__proto__') {
    Object.defineProperty(out, name, { value, writable: true, enumerable: true, configurable: true });
  } else out[name] = value;
}

/**
 * Converts `root`; `maxAliasCount` bounds alias expansions (billion laughs), as yaml's
 * toJS did. The caller has checked for aliases inside their own anchor.
 */
export function toGoJson(root: unknown, doc: Document.Parsed, maxAliasCount: number): GoJsonResult {
  const duplicates: GoJsonProblem[] = [];
  let aliases = 0;

  const mapping = (node: YamlNode & { items: unknown[] }, out: Record<string, unknown>): void => {
    // Keys written in this mapping (not merged in), for the duplicate warning.
    let written: Map<string, string> | null = null;
    const items = node.items;
    for (let i = 0; i < items.length; i++) {
      const pair = items[i] as Pair;
      if (!isPair(pair)) continue;
      const keyNode: unknown = pair.key;
      if (isMergeKey(keyNode)) {
        merge(pair.value, out, keyNode);
        continue;
      }
      const key = isAlias(keyNode) ? alias(keyNode) : keyNode;
      if (isMap(key) || isSeq(key)) {
        const [at, end] = rangeOf(keyNode);
        throw new Stop({
          at,
          end,
          message:
            'YAML error: a mapping key must be a scalar (Kubernetes cannot convert a list or map used as a key to JSON)',
        });
      }
      const keyValue: unknown = isScalar(key) ? key.value : key;
      const name = goJsonKey(
        keyValue,
        isScalar(key) && key.type === 'PLAIN' && key.tag === undefined ? String(key.source) : null,
      );
      if (name === null) {
        const [at, end] = rangeOf(keyNode);
        const type = keyValue === null || keyValue === undefined ? '%!s(<nil>)' : 'uint64';
        const shown = typeof keyValue === 'number' ? String(keyValue) : '<nil>';
        throw new Stop({ at, end, message: `${CONVERT}unsupported map key of type: ${type}, key: ${shown}` });
      }
      const value = convert(pair.value);
      written ??= new Map();
      const earlier = written.get(name);
      if (earlier !== undefined) {
        const [at] = rangeOf(keyNode);
        duplicates.push({
          at,
          end: at + 1,
          message:
            earlier === typeof keyValue
              ? `duplicate key ${JSON.stringify(name)}: Kubernetes keeps the last value (kubectl reads YAML with go-yaml v2, which is not strict); the earlier one is ignored`
              : `two keys become the JSON key ${JSON.stringify(name)} (a ${earlier} and a ${typeof keyValue} key): which value Kubernetes keeps is undefined (sigs.k8s.io/yaml converts keys in Go's random map order); kubepath keeps the last`,
        });
      }
      written.set(name, typeof keyValue);
      setKey(out, name, value);
    }
  };

  const merge = (value: unknown, out: Record<string, unknown>, keyNode: unknown): void => {
    const wantMap = (): never => {
      const [at, end] = rangeOf(value ?? keyNode);
      throw new Stop({
        at,
        end,
        message: `${CONVERT}yaml: map merge requires map or sequence of maps as the value`,
      });
    };
    const target = isAlias(value) ? alias(value) : value;
    if (isMap(target)) {
      mapping(target, out);
      return;
    }
    if (!isSeq(target) || isAlias(value)) return wantMap();
    // Step backwards: earlier maps take precedence.
    for (let i = target.items.length - 1; i >= 0; i--) {
      const item: unknown = target.items[i];
      const map = isAlias(item) ? alias(item) : item;
      if (!isMap(map)) return wantMap();
      mapping(map, out);
    }
  };

  const alias = (node: unknown): unknown => {
    if (!isAlias(node)) return node;
    aliases++;
    if (aliases > maxAliasCount) {
      const [at, end] = rangeOf(node);
      throw new Stop({
        at,
        end,
        message: `YAML error: Excessive alias count indicates a resource exhaustion attack (more than ${maxAliasCount} alias expansions; setting kubepath.maxAliasCount)`,
      });
    }
    const target = node.resolve(doc);
    if (target === undefined) {
      const [at, end] = rangeOf(node);
      throw new Stop({ at, end, message: `YAML error: unknown anchor '${node.source}' referenced` });
    }
    return target;
  };

  const convert = (node: unknown): unknown => {
    if (node === null || node === undefined) return null;
    if (isScalar(node)) {
      const value: unknown = node.value;
      if (typeof value === 'number' && !Number.isFinite(value)) {
        const [at, end] = rangeOf(node);
        const shown = Number.isNaN(value) ? 'NaN' : value > 0 ? '+Inf' : '-Inf';
        throw new Stop({ at, end, message: `${CONVERT}json: unsupported value: ${shown}` });
      }
      return value === undefined ? null : value;
    }
    if (isAlias(node)) return convert(alias(node));
    if (isMap(node)) {
      const out: Record<string, unknown> = {};
      mapping(node, out);
      return out;
    }
    if (isSeq(node)) {
      const out: unknown[] = [];
      for (const item of node.items) out.push(convert(item));
      return out;
    }
    return null;
  };

  const unique = (): GoJsonProblem[] => {
    // An anchor's duplicates would be reported once per alias that expands it.
    const seen = new Set<number>();
    const out: GoJsonProblem[] = [];
    for (const d of duplicates) {
      if (seen.has(d.at)) continue;
      seen.add(d.at);
      out.push(d);
    }
    return out;
  };
  try {
    const value = convert(root);
    return { value, duplicates: unique() };
  } catch (err) {
    if (err instanceof Stop) return { problem: err.problem, duplicates: unique() };
    throw err;
  }
}
