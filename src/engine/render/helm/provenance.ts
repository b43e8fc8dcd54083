// Where each rendered value came from in values: the final (coalesced) values tree's maps and
// slices are indexed by their path from the root, and `originOf(container, key)` answers with
// the source that set that path, in Helm's precedence — `--set` flags (the last first), values
// files (the last first), the root chart's values.yaml, then each subchart's own values.yaml
// (a parent's `sub.x` wins over the subchart's `x`; a parent's `global.x` over its own). The
// executor reports these with each action's output, so a finding can point at the values line.
import { isMap, isScalar, isSeq } from 'yaml';
import type { Node as YamlNode } from 'yaml';
import type { OriginOf, Value, ValueOrigin } from '../gotemplate';
import { GoStruct } from '../gotemplate';
import type { Chart } from './chart';
import { joinPath } from './chart';
import { parseJsonInto, parseSetInto } from './strvals';
import type { MutableValues, ParsedYaml } from './values';

/** Where a value the templates read was set. */
export interface HelmValueOrigin {
  /** The path in that source (`service.port`; list items as `hosts[0]`). */
  readonly path: string;
  /** `chart`: a chart's values.yaml; `file`: a values file given (-f); `set`: a --set flag. */
  readonly source: 'chart' | 'file' | 'set';
  /** The values file: the chart's values.yaml on the file system, or the values file's name as given. */
  readonly file?: string;
  /** 1-based line and column of the key (or list item) in that file. */
  readonly line?: number;
  readonly column?: number;
  /** For `set`: the flag as given (`--set service.port=8080`). */
  readonly flag?: string;
}

type Path = readonly (string | number)[];

interface Source {
  lookup(path: Path): HelmValueOrigin | undefined;
  /** Whether it answers every lookup as `other` does. */
  same(other: Source): boolean;
}

function samePositions(a: PosNode | null, b: PosNode | null): boolean {
  if (a === b) return true;
  if (a === null || b === null || a.line !== b.line || a.column !== b.column) return false;
  if (a.kids === undefined || b.kids === undefined) return a.kids === b.kids;
  if (a.kids.size !== b.kids.size) return false;
  const bk = [...b.kids];
  let i = 0;
  for (const [k, v] of a.kids) {
    const w = bk[i++];
    if (w === undefined || w[0] !== k || !samePositions(v, w[1])) return false;
  }
  return true;
}

interface PosNode {
  readonly line: number;
  readonly column: number;
  readonly kids?: Map<string | number, PosNode>;
}

function formatPath(path: Path): string {
  let out = '';
  for (const s of path) out += typeof s === 'number' ? `[${s}]` : out === '' ? s : `.${s}`;
  return out;
}

/** Key positions of a values file, built on first use (only when a template reads a value). */
function fileSource(
  parsed: ParsedYaml | undefined,
  origin: Omit<HelmValueOrigin, 'path' | 'line' | 'column'>,
): Source {
  let root: PosNode | null | undefined;
  const build = (): PosNode | null => {
    if (parsed === undefined) return null;
    const { doc, lineCounter: lc } = parsed;
    const at = (offset: number): { line: number; column: number } => {
      const p = lc.linePos(offset);
      return { line: p.line, column: p.col };
    };
    const walk = (n: unknown, pos: { line: number; column: number }): PosNode => {
      if (isMap(n)) {
        const kids = new Map<string | number, PosNode>();
        for (const pair of n.items) {
          const k = pair.key;
          const key = isScalar(k) ? String(k.value) : String(k);
          const range = (k as YamlNode | null)?.range ?? (pair.value as YamlNode | null)?.range;
          const here = range ? at(range[0]) : pos;
          // A later duplicate key wins, as when the file is decoded.
          kids.set(key, walk(pair.value, here));
        }
        return { ...pos, kids };
      }
      if (isSeq(n)) {
        const kids = new Map<string | number, PosNode>();
        n.items.forEach((item, i) => {
          const range = (item as YamlNode | null)?.range;
          kids.set(i, walk(item, range ? at(range[0]) : pos));
        });
        return { ...pos, kids };
      }
      return pos;
    };
    return walk(doc.contents, { line: 1, column: 1 });
  };
  const positions = (): PosNode | null => {
    if (root === undefined) root = build();
    return root;
  };
  const self = {
    positions,
    origin,
    parsed,
    lookup(path: Path): HelmValueOrigin | undefined {
      let n: PosNode | undefined = positions() ?? undefined;
      for (const s of path) n = n?.kids?.get(s);
      if (n === undefined) return undefined;
      return { ...origin, path: formatPath(path), line: n.line, column: n.column };
    },
    same(other: Source): boolean {
      if (!('positions' in other)) return false;
      const o = other as typeof self;
      return (
        o.origin.source === origin.source &&
        o.origin.file === origin.file &&
        // The same document (a values file read from the earlier read): the same positions.
        (o.parsed === parsed || samePositions(positions(), o.positions()))
      );
    },
  };
  return self;
}

/** A --set flag: the paths it sets, from parsing it alone. */
function flagSource(flag: string, parse: (dest: MutableValues) => void): Source {
  const tree: MutableValues = new Map();
  try {
    parse(tree);
  } catch {
    // an invalid flag failed the render before any template ran
  }
  const self: Source & { readonly flag: string } = {
    same: (other) => 'flag' in other && (other as typeof self).flag === flag,
    flag,
    lookup(path: Path) {
      let v: Value = tree;
      for (const s of path) {
        if (typeof s === 'number') v = Array.isArray(v) ? (v as readonly Value[])[s] : undefined;
        else v = v instanceof Map ? (v as ReadonlyMap<string, Value>).get(s) : undefined;
        if (v === undefined) return undefined;
      }
      return { path: formatPath(path), source: 'set', flag };
    },
  };
  return self;
}

export interface ProvenanceInput {
  readonly chart: Chart;
  /** The coalesced values the templates read. */
  readonly values: ReadonlyMap<string, Value>;
  /** The values files given, as parsed when they were merged. */
  readonly valuesFiles: readonly { readonly name: string; readonly parsed?: ParsedYaml }[];
  readonly set: readonly string[];
  readonly setString: readonly string[];
  readonly setJson: readonly string[];
}

/** The executor's originOf for one render; `sameAs` tells whether another render's answers every path alike. */
export type Provenance = OriginOf & { readonly sameAs: (other: Provenance) => boolean };

/** The executor's originOf for one render. */
export function valuesProvenance(input: ProvenanceInput): Provenance {
  const paths = new WeakMap<object, Path>();
  const index = (v: Value, path: Path): void => {
    if (Array.isArray(v)) {
      paths.set(v, path);
      (v as readonly Value[]).forEach((x, i) => index(x, [...path, i]));
    } else if (v instanceof Map && !(v instanceof GoStruct)) {
      paths.set(v, path);
      for (const [k, x] of v as ReadonlyMap<string, Value>) index(x, [...path, k]);
    }
  };
  index(input.values, []);

  const user: Source[] = [];
  const flags: Source[] = [];
  for (const s of input.setJson) flags.push(flagSource(`--set-json ${s}`, (d) => parseJsonInto(s, d)));
  for (const s of input.set) flags.push(flagSource(`--set ${s}`, (d) => parseSetInto(s, d, false)));
  for (const s of input.setString)
    flags.push(flagSource(`--set-string ${s}`, (d) => parseSetInto(s, d, true)));
  user.push(...flags.reverse());
  for (const f of [...input.valuesFiles].reverse())
    user.push(fileSource(f.parsed, { source: 'file', file: f.name }));
  const chartSources = new Map<Chart, Source | null>();
  const chartSource = (c: Chart): Source | null => {
    let s = chartSources.get(c);
    if (s === undefined) {
      s =
        c.valuesParsed === undefined
          ? null
          : fileSource(c.valuesParsed, { source: 'chart', file: joinPath(c.origin, 'values.yaml') });
      chartSources.set(c, s);
    }
    return s;
  };

  const resolve = (path: Path): HelmValueOrigin | undefined => {
    const ancestors: Source[][] = [];
    let chart = input.chart;
    let rest = path;
    for (let level = 0; ; level++) {
      const own = chartSource(chart);
      const sources = level === 0 ? [...user] : [];
      if (own !== null) sources.push(own);
      if (rest[0] === 'global')
        for (const list of ancestors)
          for (const s of list) {
            const hit = s.lookup(rest);
            if (hit !== undefined) return hit;
          }
      for (const s of sources) {
        const hit = s.lookup(rest);
        if (hit !== undefined) return hit;
      }
      ancestors.push(sources);
      const head = rest[0];
      const next = chart.dependencies.find((d) => d.metadata.name === head);
      if (next === undefined || rest.length < 2) return undefined;
      chart = next;
      rest = rest.slice(1);
    }
  };

  const memo = new WeakMap<object, Map<string | number, HelmValueOrigin | null>>();
  const originOf = (container: object, key: string | number): ValueOrigin | undefined => {
    const base = paths.get(container);
    if (base === undefined) return undefined;
    let m = memo.get(container);
    if (m === undefined) {
      m = new Map();
      memo.set(container, m);
    }
    let o = m.get(key);
    if (o === undefined) {
      o = resolve([...base, key]) ?? null;
      m.set(key, o);
    }
    return o ?? undefined;
  };
  const charts = (c: Chart, out: Chart[] = []): Chart[] => {
    out.push(c);
    for (const d of c.dependencies) charts(d, out);
    return out;
  };
  // What resolve() answers depends on the chart tree (names), the sources and their positions alone.
  const shape = (c: Chart): string => `${c.metadata.name}(${c.dependencies.map(shape).join(',')})`;
  const state = { user, chart: input.chart, chartSource };
  const sameAs = (other: Provenance): boolean => {
    const o = (other as unknown as { state?: typeof state }).state;
    if (o === undefined) return false;
    if (o.user.length !== user.length || !user.every((s, i) => s.same(o.user[i] as Source))) return false;
    if (shape(o.chart) !== shape(input.chart)) return false;
    const mine = charts(input.chart);
    const theirs = charts(o.chart);
    return mine.every((c, i) => {
      const a = chartSource(c);
      const b = o.chartSource(theirs[i] as Chart);
      return a === null || b === null ? a === b : a.same(b);
    });
  };
  return Object.assign(originOf, { sameAs, state });
}
