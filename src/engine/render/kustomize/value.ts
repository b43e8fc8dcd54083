// The data model resources are built in: JSON-like values, as kustomize's output sees them
// (resource.AsYAML goes through JSON, so key order, comments and scalar styles of the input do
// not survive), parsed from YAML text with the line of every node kept for source maps.
import { isAlias, isMap, isPair, isScalar, isSeq } from 'yaml';
import type { LineCounter } from 'yaml';
import { parseAllDocumentsFrom } from '../yamlTokens';
import type { YamlTokens } from '../yamlTokens';
import type { Node as YamlNode, ScalarTag, Tags } from 'yaml';

/**
 * kyaml decodes with yaml.v3, which still reads a YAML 1.1 octal (`0755`, Go's
 * strconv.ParseInt with base 0) as an int: `defaultMode: 0755` builds as 493, where
 * YAML 1.2's core schema would read 755.
 */
const LEGACY_OCTAL: ScalarTag = {
  tag: 'tag:yaml.org,2002:int',
  default: true,
  test: /^[-+]?0[0-7]+$/,
  resolve: (s: string) => {
    const negative = s.startsWith('-');
    const n = parseInt(s.replace(/^[-+]/, ''), 8);
    return negative ? -n : n;
  },
};
const kyamlTags = (tags: Tags): Tags => [LEGACY_OCTAL, ...tags];

export type Value = null | boolean | number | string | Value[] | ValueMap;
export interface ValueMap {
  [key: string]: Value;
}

export function isValueMap(v: Value | undefined): v is ValueMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function clone<T extends Value>(v: T): T {
  if (Array.isArray(v)) return v.map((x) => clone(x)) as T;
  if (isValueMap(v)) {
    const out: ValueMap = {};
    for (const k of Object.keys(v)) out[k] = clone(v[k] ?? null);
    return out as T;
  }
  return v;
}

export function deepEqual(a: Value | undefined, b: Value | undefined): boolean {
  if (a === b) return true;
  if (Array.isArray(a))
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isValueMap(a) && isValueMap(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && deepEqual(a[k], b[k]));
  }
  return false;
}

/** One parsed YAML document: its value, its first line, and the line of each node by path. */
export interface ParsedDocument {
  readonly value: Value;
  /** 1-based line of the document's root node. */
  readonly line: number;
  /** JSON-pointer-like path ("/spec/template/0") → 1-based line of that node. */
  readonly lines: ReadonlyMap<string, number>;
}

export interface ParseResult {
  readonly documents: ParsedDocument[];
  readonly error?: { message: string; line?: number };
}

/**
 * Parsed files kept between builds (the render stage owns one per workspace): a rebuild
 * after a one-line edit parses only the edited file. Builds mutate what they parse, so each
 * use gets a copy. `sweep()` drops what was not asked for since the last sweep, unless it
 * is still the text of a file (a base whose kept build was reused is not parsed again, and
 * its files are parsed once more when an edit beside it rebuilds its kustomization).
 */
export class ParseCache {
  /** By text (the workspace's own string instances: V8 keeps their hash), one map per key mode. */
  private readonly unique = new Map<string, { result: ParseResult; used: number }>();
  private readonly duplicates = new Map<string, { result: ParseResult; used: number }>();
  private generation = 0;
  /** The number of entries after the last sweep that went through them. */
  private swept = 0;

  /** `tokens`: syntax trees shared with the workspace's other readers (the loader). */
  constructor(private readonly tokens?: YamlTokens) {}

  parse(text: string, uniqueKeys: boolean): ParseResult {
    const result = this.parseShared(text, uniqueKeys);
    const documents = result.documents.map((d) => ({ ...d, value: clone(d.value) }));
    return result.error ? { documents, error: result.error } : { documents };
  }

  /**
   * The kept parse itself, not a copy: for readers that never mutate what they get (patches,
   * which are copied where they are applied). Saves a copy of every patch file on each build.
   */
  parseShared(text: string, uniqueKeys: boolean): ParseResult {
    const entries = uniqueKeys ? this.unique : this.duplicates;
    let hit = entries.get(text);
    if (!hit) {
      hit = { result: parseYamlDocuments(text, uniqueKeys, this.tokens), used: this.generation };
      entries.set(text, hit);
    } else hit.used = this.generation;
    return hit.result;
  }

  /**
   * Drops the entries not asked for since the last sweep whose text `keeping()` does not
   * keep. Amortised: only once the cache has grown by a quarter since the last sweep that
   * dropped (an edit adds one text; going through every entry on each would cost more).
   */
  sweep(keeping: () => (text: string) => boolean = () => () => false): void {
    const size = this.unique.size + this.duplicates.size;
    if (size > this.swept + Math.max(16, this.swept >> 2)) {
      const keep = keeping();
      for (const entries of [this.unique, this.duplicates])
        for (const [text, e] of entries) if (e.used !== this.generation && !keep(text)) entries.delete(text);
      this.swept = this.unique.size + this.duplicates.size;
    }
    this.generation++;
  }
}

/** Bounds on YAML input: aliases (billion laughs) and nesting. */
const MAX_ALIAS_COUNT = 100;
const MAX_DEPTH = 256;

export function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Parses every document of a YAML stream (YAML 1.2 core schema, as kyaml's yaml.v3 decoder reads it). */
export function parseYamlDocuments(text: string, uniqueKeys = true, tokens?: YamlTokens): ParseResult {
  let list;
  let lineCounter;
  try {
    ({ docs: list, lines: lineCounter } = parseAllDocumentsFrom(
      text,
      {
        merge: true,
        uniqueKeys,
        prettyErrors: false,
        // No side effects: yaml would print its warnings (a collection used as a key) to stderr.
        logLevel: 'error',
        customTags: kyamlTags,
      },
      tokens,
    ));
  } catch (e) {
    return { documents: [], error: { message: String(e) } };
  }
  const documents: ParsedDocument[] = [];
  for (const doc of list) {
    const err = doc.errors[0];
    if (err) {
      const pos = err.pos[0];
      const line = lineCounter.linePos(pos).line;
      // yaml.v3's wording for a repeated key (what kyaml reports when it decodes the resource).
      const message =
        err.code === 'DUPLICATE_KEY'
          ? `yaml: unmarshal errors:\n  line ${line}: mapping key ${JSON.stringify(/^[^:\n]*/.exec(text.slice(pos))?.[0].trim() ?? '')} already defined`
          : err.message;
      return { documents, error: { message, line } };
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (e) {
      return { documents, error: { message: e instanceof Error ? e.message : String(e) } };
    }
    const lines = new Map<string, number>();
    const root = doc.contents;
    const tooDeep = root ? !recordLines(root, '', lines, lineCounter, 0) : false;
    if (tooDeep) return { documents, error: { message: `nesting deeper than ${MAX_DEPTH} levels` } };
    const start = root?.range?.[0] ?? doc.range[0];
    documents.push({ value: normalise(value), line: lineCounter.linePos(start).line, lines });
  }
  return { documents };
}

function recordLines(
  node: YamlNode,
  path: string,
  out: Map<string, number>,
  lc: LineCounter,
  depth: number,
): boolean {
  if (depth > MAX_DEPTH) return false;
  if (node.range) out.set(path, lc.linePos(node.range[0]).line);
  if (isMap(node)) {
    for (const item of node.items) {
      if (!isPair(item)) continue;
      const key = isScalar(item.key) ? String(item.key.value) : String(item.key);
      const p = `${path}/${escapePointer(key)}`;
      if (isScalar(item.key) && item.key.range) out.set(p, lc.linePos(item.key.range[0]).line);
      const v = item.value;
      if (v && !isAlias(v) && (isMap(v) || isSeq(v))) {
        if (!recordLines(v, p, out, lc, depth + 1)) return false;
        if (isScalar(item.key) && item.key.range) out.set(p, lc.linePos(item.key.range[0]).line);
      }
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => {
      if (item && !isAlias(item) && (isMap(item) || isSeq(item) || isScalar(item))) {
        recordLines(item, `${path}/${i}`, out, lc, depth + 1);
      }
    });
  }
  return true;
}

/** yaml's JS values → Value (Dates and other exotic types become their YAML text). */
function normalise(v: unknown): Value {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (Array.isArray(v)) return v.map(normalise);
  if (v instanceof Map) {
    const out: ValueMap = {};
    for (const [k, x] of v) out[String(k)] = normalise(x);
    return out;
  }
  if (typeof v === 'object') {
    const out: ValueMap = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = normalise(x);
    return out;
  }
  // Symbols and functions do not come out of a YAML parse; anything else is dropped.
  return null;
}
