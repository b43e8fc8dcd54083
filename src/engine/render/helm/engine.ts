// Helm's template engine (pkg/engine/engine.go, funcs.go, files.go): every template of the
// chart and its subcharts parsed into one set (deepest paths first, so a parent's {{define}}
// wins), then each non-partial executed with its chart's scope (.Values, .Chart, .Files,
// .Release, .Capabilities, .Template, .Subcharts), missingkey=zero and "<no value>" removed.
// Errors are cleaned up as cleanupParseError / cleanupExecError word them.
import type { HelmRenderCache } from './cache';
import type { Reads, ReadTracker, TemplateRun, ValuesReuse } from './incremental';
import type { GoFunc, OriginOf, OutputOrigin, Tree, Value, ValueOrigin } from '../gotemplate';
import {
  FuncError,
  GoStruct,
  goFunc,
  TemplateExecError,
  TemplateParseError,
  TemplateSet,
  TypedMap,
  typedSlice,
} from '../gotemplate';
import { sprigFunctions } from '../sprig';
import type { Chart, Dependency, Maintainer, Metadata } from './chart';
import { chartFullPath, fileText, isRoot } from './chart';
import type { ChartFile } from './archive';
import {
  fromJson,
  fromJsonArray,
  fromYaml,
  fromYamlArray,
  isRequiredSet,
  toJson,
  toToml,
  toYaml,
  toYamlPretty,
} from './encoding';
import { globRegExp } from './glob';
import { parseToml, TomlError } from './toml';
import type { MutableValues } from './values';
import { table } from './values';

/** One piece of a rendered file: from output offset `at`, written by the node at `pos` of `tree`. */
export interface Segment {
  readonly at: number;
  readonly tree: Tree;
  readonly pos: number;
  readonly kind: OutputOrigin['kind'];
  /** Where the values an action printed came from (the render's originOf tokens). */
  readonly values?: readonly ValueOrigin[];
}

export interface RenderedFile {
  /** `<chart path>/templates/x.yaml` */
  readonly name: string;
  readonly content: string;
  /** Where each part of `content` came from, in output order. */
  readonly segments: readonly Segment[];
}

export class HelmRenderError extends Error {
  override readonly name = 'HelmRenderError';
  constructor(
    message: string,
    /** The template file (`chart/templates/x.yaml`) and 1-based line/column (Go's byte column + 1), if known. */
    readonly file?: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(message);
  }
}

const WARN_START = 'HELM_ERR_START';
const WARN_END = 'HELM_ERR_END';
const warnWrap = (s: string): string => `${WARN_START}${s}${WARN_END}`;
const WARN_RE = /HELM_ERR_START([\s\S]*)HELM_ERR_END/;
const RECURSION_MAX = 1000;
/** Nested tpl calls (each a fresh execution); Go is bounded only by the stack. */
const TPL_MAX_DEPTH = 200;

export interface EngineOptions {
  /** `--strict`-like: missingkey=error (Helm's lint --strict). Default false. */
  readonly strict?: boolean;
  /** Info notes (lookup returning nothing, coalescing warnings). */
  readonly note?: (message: string) => void;
  /** Where values read by templates came from (source maps to values lines). */
  readonly originOf?: OriginOf;
  /** Parse trees kept from earlier renders. */
  readonly cache?: HelmRenderCache;
  /** Records what each template read of the (tracked) values, and reuses earlier runs that read the same. */
  readonly incremental?: IncrementalRender;
}

/** See incremental.ts: the values are TrackedValues reporting to `tracker`. */
export interface IncrementalRender {
  readonly tracker: ReadTracker;
  readonly reuse?: ValuesReuse;
  /** Filled with each template's run (executed or reused). */
  readonly runs: Map<string, TemplateRun>;
  /** Told what finding each subchart's .Values read (before any template runs: the reuse checks it). */
  readonly scope: (reads: Reads) => void;
}

// ---- built-in objects ----

function files(list: readonly ChartFile[]): GoStruct {
  const m = new Map<string, Uint8Array>();
  for (const f of list) m.set(f.name, f.data);
  return filesObject(m);
}

function base64(data: Uint8Array): string {
  let bin = '';
  for (const b of data) bin += String.fromCharCode(b);
  return btoa(bin);
}

function baseName(p: string): string {
  const t = p.replace(/\/+$/, '');
  return t.slice(t.lastIndexOf('/') + 1) || '/';
}

/** engine.files: map[string][]byte with Get, GetBytes, Glob, Lines, AsConfig, AsSecrets. */
function filesObject(m: ReadonlyMap<string, Uint8Array>): GoStruct {
  const bytes = (name: string): Uint8Array => m.get(name) ?? new Uint8Array();
  const asMap = (encode: (d: Uint8Array) => string): string => {
    const out = new Map<string, Value>();
    for (const [k, v] of m) out.set(baseName(k), encode(v));
    return toYaml(out);
  };
  const methods = new Map<string, GoFunc>([
    ['Get', goFunc(['string'], 'string', ([n]) => fileText(bytes(n as string)))],
    [
      'GetBytes',
      goFunc(['string'], '[]interface {}', ([n]) => Array.from(bytes(n as string), (b) => BigInt(b))),
    ],
    [
      'Glob',
      goFunc(['string'], '[]interface {}', ([p]) => {
        const re = globRegExp(p as string) ?? /^/;
        const out = new Map<string, Uint8Array>();
        for (const [k, v] of m) if (re.test(k)) out.set(k, v);
        return filesObject(out);
      }),
    ],
    ['AsConfig', goFunc([], 'string', () => asMap(fileText))],
    ['AsSecrets', goFunc([], 'string', () => asMap(base64))],
    [
      'Lines',
      goFunc(['string'], '[]interface {}', ([p]) => {
        const d = m.get(p as string);
        if (d === undefined || d.length === 0) return [];
        let s = fileText(d);
        if (s.endsWith('\n')) s = s.slice(0, -1);
        return typedSlice('string', s.split('\n'));
      }),
    ],
  ]);
  // The entries are the files' bytes as Go would index them; templates use the methods.
  const fields: [string, Value][] = [...m].map(([k, v]) => [k, Array.from(v, (b) => BigInt(b))]);
  return new GoStruct('engine.files', fields, methods, false);
}

function maintainerObject(m: Maintainer): GoStruct {
  return new GoStruct('*chart.Maintainer', [
    ['Name', m.name],
    ['Email', m.email],
    ['URL', m.url],
  ]);
}

function dependencyObject(d: Dependency): GoStruct {
  return new GoStruct('*chart.Dependency', [
    ['Name', d.name],
    ['Version', d.version],
    ['Repository', d.repository],
    ['Condition', d.condition],
    ['Tags', typedSlice('string', d.tags)],
    ['Enabled', d.enabled],
    ['ImportValues', d.importValues],
    ['Alias', d.alias],
  ]);
}

/** `.Chart`: struct { chart.Metadata; IsRoot bool }, fields as Go names them. */
export function chartObject(md: Metadata, root: boolean): GoStruct {
  return new GoStruct('struct { chart.Metadata; IsRoot bool }', [
    ['Name', md.name],
    ['Home', md.home],
    ['Sources', typedSlice('string', md.sources)],
    ['Version', md.version],
    ['Description', md.description],
    ['Keywords', typedSlice('string', md.keywords)],
    ['Maintainers', md.maintainers.map(maintainerObject)],
    ['Icon', md.icon],
    ['APIVersion', md.apiVersion],
    ['Condition', md.condition],
    ['Tags', md.tags],
    ['AppVersion', md.appVersion],
    ['Deprecated', md.deprecated],
    ['Annotations', new TypedMap(md.annotations, 'string')],
    ['KubeVersion', md.kubeVersion],
    ['Dependencies', (md.dependencies ?? []).map(dependencyObject)],
    ['Type', md.type],
    ['IsRoot', root],
  ]);
}

export interface KubeVersionInfo {
  readonly version: string;
  readonly major: string;
  readonly minor: string;
}

/** `.Capabilities`: KubeVersion (String, GitVersion), APIVersions (Has), HelmVersion. */
export function capabilitiesObject(kube: KubeVersionInfo, apiVersions: readonly string[]): GoStruct {
  const kv = new GoStruct(
    'chartutil.KubeVersion',
    [
      ['Version', kube.version],
      ['Major', kube.major],
      ['Minor', kube.minor],
    ],
    new Map([
      ['String', goFunc([], 'string', () => kube.version)],
      ['GitVersion', goFunc([], 'string', () => kube.version)],
    ]),
    true,
    () => kube.version,
  );
  const set = new Set(apiVersions);
  const versions = new GoStruct(
    'chartutil.VersionSet',
    [],
    new Map([['Has', goFunc(['string'], 'bool', ([v]) => set.has(v as string))]]),
    true,
    () => `[${apiVersions.join(' ')}]`,
  );
  const helm = new GoStruct('version.BuildInfo', [
    ['Version', 'v3.21'],
    ['GitCommit', ''],
    ['GitTreeState', ''],
    ['GoVersion', ''],
  ]);
  return new GoStruct('*chartutil.Capabilities', [
    ['KubeVersion', kv],
    ['APIVersions', versions],
    ['HelmVersion', helm],
  ]);
}

// ---- the function map ----

interface Holder {
  set?: TemplateSet;
}

interface Shared {
  readonly includedNames: Map<string, number>;
  /** Sprig's map without env/expandenv, built once per render (each tpl call copies it). */
  sprig?: ReadonlyMap<string, GoFunc>;
  tplDepth: number;
  readonly strict: boolean;
  readonly note: (message: string) => void;
}

function helmFuncs(holder: Holder, shared: Shared): Map<string, GoFunc> {
  if (shared.sprig === undefined) {
    const sprig = sprigFunctions({});
    sprig.delete('env');
    sprig.delete('expandenv');
    shared.sprig = sprig;
  }
  const f = new Map(shared.sprig);
  const set = (): TemplateSet => {
    if (holder.set === undefined) throw new Error('internal: template set not ready');
    return holder.set;
  };
  f.set(
    'toToml',
    goFunc(['interface {}'], 'string', ([v]) => toToml(v)),
  );
  f.set(
    'toYaml',
    goFunc(['interface {}'], 'string', ([v]) => toYaml(v)),
  );
  f.set(
    'toYamlPretty',
    goFunc(['interface {}'], 'string', ([v]) => toYamlPretty(v)),
  );
  f.set(
    'fromYaml',
    goFunc(['string'], 'map[string]interface {}', ([s]) => fromYaml(s as string)),
  );
  f.set(
    'fromYamlArray',
    goFunc(['string'], '[]interface {}', ([s]) => fromYamlArray(s as string)),
  );
  f.set(
    'toJson',
    goFunc(['interface {}'], 'string', ([v]) => toJson(v)),
  );
  f.set(
    'fromJson',
    goFunc(['string'], 'map[string]interface {}', ([s]) => fromJson(s as string)),
  );
  f.set(
    'fromJsonArray',
    goFunc(['string'], '[]interface {}', ([s]) => fromJsonArray(s as string)),
  );
  f.set(
    'fromToml',
    goFunc(['string'], 'map[string]interface {}', ([s]) => {
      try {
        return parseToml(s as string);
      } catch (e) {
        if (e instanceof TomlError) return new Map([['Error', e.message]]);
        throw e;
      }
    }),
  );

  f.set(
    'include',
    goFunc(['string', 'interface {}'], 'string', ([n, data], ctx) => {
      const name = n as string;
      const count = shared.includedNames.get(name) ?? 0;
      if (count > RECURSION_MAX)
        throw new FuncError(
          `rendering template has a nested reference name: ${name}: unable to execute template`,
        );
      shared.includedNames.set(name, count + 1);
      try {
        if (set().lookup(name) === undefined)
          throw new FuncError(`template: no template "${name}" associated with template "gotpl"`);
        return ctx.executeTemplate(name, data ?? null);
      } finally {
        shared.includedNames.set(name, (shared.includedNames.get(name) ?? 1) - 1);
      }
    }),
  );
  f.set(
    'tpl',
    goFunc(['string', 'interface {}'], 'string', ([text, vals], ctx) => {
      if (shared.tplDepth >= TPL_MAX_DEPTH)
        throw new FuncError(`tpl nested deeper than ${TPL_MAX_DEPTH} calls`);
      const child: Holder = {};
      const clone = set().clone(helmFuncs(child, shared));
      child.set = clone;
      const src = text as string;
      try {
        clone.parse('gotpl', src);
      } catch (e) {
        if (e instanceof TemplateParseError)
          throw new FuncError(`cannot parse template "${goQuoted(src)}": ${e.message}`);
        throw e;
      }
      shared.tplDepth++;
      try {
        // What the tpl'd text printed from values belongs to the action printing tpl's result.
        const read: ValueOrigin[] = [];
        const onWrite =
          ctx.addValueOrigins === undefined || clone.originOf === undefined
            ? undefined
            : (_: string, o: OutputOrigin): void => {
                if (o.values !== undefined) read.push(...o.values);
              };
        const out = clone.execute('gotpl', vals ?? null, onWrite);
        if (read.length > 0) ctx.addValueOrigins?.(read);
        return out.split('<no value>').join('');
      } catch (e) {
        if (e instanceof TemplateExecError && !(e.name === 'TemplateBudgetError'))
          throw new FuncError(`error during tpl function execution for "${goQuoted(src)}": ${e.message}`);
        throw e;
      } finally {
        shared.tplDepth--;
      }
    }),
  );
  f.set(
    'required',
    goFunc(['string', 'interface {}'], 'interface {}', ([warn, val]) => {
      if (!isRequiredSet(val ?? null)) throw new FuncError(warnWrap(warn as string));
      return val ?? null;
    }),
  );
  f.set(
    'fail',
    goFunc(['string'], 'string', ([msg]) => {
      throw new FuncError(warnWrap(msg as string));
    }),
  );
  f.set(
    'lookup',
    goFunc(['string', 'string', 'string', 'string'], 'map[string]interface {}', ([api, kind, ns, name]) => {
      shared.note(
        `lookup ${api as string} ${kind as string} ${ns as string}/${name as string}: no cluster is consulted, so lookup returns an empty map (as helm template does)`,
      );
      return new Map();
    }),
  );
  f.set(
    'getHostByName',
    goFunc(['string'], 'string', () => ''),
  );
  return f;
}

/** %q of Go for the tpl error texts. */
function goQuoted(s: string): string {
  return JSON.stringify(s).slice(1, -1);
}

// ---- render ----

interface Renderable {
  readonly text: string;
  readonly vals: Map<string, Value>;
  readonly basePath: string;
}

function isTemplateValid(c: Chart, name: string): boolean {
  if (c.metadata.type.toLowerCase() === 'library') return baseName(name).startsWith('_');
  return true;
}

/** recAllTpls: each chart's scope, and its templates keyed by `<chart full path>/templates/...`. */
function recAllTpls(
  c: Chart,
  out: Map<string, Renderable>,
  vals: ReadonlyMap<string, Value>,
): Map<string, Value> {
  const subCharts = new Map<string, Value>();
  const next = new Map<string, Value>([
    ['Chart', chartObject(c.metadata, isRoot(c))],
    ['Files', files(c.files)],
    ['Release', vals.get('Release')],
    ['Capabilities', vals.get('Capabilities')],
    ['Values', new Map<string, Value>()],
    ['Subcharts', subCharts],
  ]);
  if (isRoot(c)) next.set('Values', vals.get('Values'));
  else {
    try {
      next.set('Values', table(vals, `Values.${c.metadata.name}`));
    } catch {
      // no table for this chart: empty values
    }
  }
  for (const child of c.dependencies) subCharts.set(child.metadata.name, recAllTpls(child, out, next));
  const parentId = chartFullPath(c);
  for (const t of c.templates) {
    if (!isTemplateValid(c, t.name)) continue;
    out.set(`${parentId}/${t.name}`, {
      text: fileText(t.data),
      vals: next,
      basePath: `${parentId}/templates`,
    });
  }
  return next;
}

const slashes = (s: string): number => s.split('/').length - 1;

/** sortTemplates: more path segments first; equal depth in reverse lexical order. */
export function sortTemplates(names: Iterable<string>): string[] {
  return [...names]
    .map((name) => ({ name, depth: slashes(name) }))
    .sort((a, b) => {
      if (a.depth !== b.depth) return b.depth - a.depth;
      return a.name < b.name ? 1 : a.name > b.name ? -1 : 0;
    })
    .map((x) => x.name);
}

function cleanupParseError(filename: string, e: Error): HelmRenderError {
  const tokens = e.message.split(': ');
  if (tokens.length === 1) return new HelmRenderError(`parse error in (${filename}): ${e.message}`, filename);
  const location = tokens[1] ?? '';
  const msg = tokens[tokens.length - 1] ?? '';
  const [file, line] = location.split(':');
  return new HelmRenderError(`parse error at (${location}): ${msg}`, file, line ? Number(line) : undefined);
}

function cleanupExecError(filename: string, e: TemplateExecError): HelmRenderError {
  const loc = e.location;
  const file = loc?.file ?? filename;
  const line = loc?.line;
  const column = loc !== null ? loc.column + 1 : undefined;
  const msg = e.message;
  const first = msg.indexOf(': ');
  const second = first < 0 ? -1 : msg.indexOf(': ', first + 2);
  if (second < 0) return new HelmRenderError(`execution error in (${filename}): ${msg}`, file, line, column);
  const location = msg.slice(first + 2, second);
  const m = WARN_RE.exec(msg.slice(second + 2));
  if (m !== null)
    return new HelmRenderError(`execution error at (${location}): ${m[1] ?? ''}`, file, line, column);
  return new HelmRenderError(msg, file, line, column);
}

/** The top-level render values (chartutil.ToRenderValues' map, before .Values is set). */
export interface TopValues {
  readonly release: ReadonlyMap<string, Value>;
  readonly capabilities: GoStruct;
  readonly values: MutableValues;
}

/**
 * An empty template set with Helm's function map bound to it (Sprig without env/expandenv,
 * plus include, tpl, required, fail, lookup, toYaml...), missingkey=zero, as Engine.render
 * builds `template.New("gotpl")`.
 */
export function helmTemplateSet(options: EngineOptions = {}): TemplateSet {
  const shared: Shared = {
    includedNames: new Map(),
    tplDepth: 0,
    strict: options.strict ?? false,
    note: options.note ?? (() => undefined),
  };
  const holder: Holder = {};
  const set = new TemplateSet({
    funcs: helmFuncs(holder, shared),
    missingKey: shared.strict ? 'error' : 'zero',
    // Helm's include recursion limit (1000 nested) must be met before the executor's depth limit.
    limits: { maxDepth: RECURSION_MAX + 100 },
    ...(options.originOf !== undefined ? { originOf: options.originOf } : {}),
    ...(options.cache !== undefined ? { parsed: options.cache.parsed.bind(options.cache) } : {}),
  });
  holder.set = set;
  return set;
}

/** Engine.Render: the rendered text of every non-partial template. Throws HelmRenderError. */
export function renderTemplates(chart: Chart, top: TopValues, options: EngineOptions = {}): RenderedFile[] {
  const vals = new Map<string, Value>([
    ['Chart', chartObject(chart.metadata, true)],
    ['Capabilities', top.capabilities],
    ['Release', top.release],
    ['Values', top.values],
  ]);
  const tpls = new Map<string, Renderable>();
  const inc = options.incremental;
  // Each subchart's .Values is its table in the parent's: every template depends on those lookups.
  if (inc !== undefined) inc.tracker.current = new Map();
  recAllTpls(chart, tpls, vals);
  if (inc !== undefined) {
    if (inc.tracker.current !== null) inc.scope(inc.tracker.current);
    inc.tracker.current = null;
  }
  let notes: string[] | null = null;
  const note = options.note;
  const set = helmTemplateSet(
    inc === undefined
      ? options
      : {
          ...options,
          note: (m) => {
            notes?.push(m);
            note?.(m);
          },
        },
  );
  const keys = sortTemplates(tpls.keys());
  for (const filename of keys) {
    try {
      set.parse(filename, tpls.get(filename)?.text ?? '');
    } catch (e) {
      if (e instanceof TemplateParseError) throw cleanupParseError(filename, e);
      throw e;
    }
  }
  const out: RenderedFile[] = [];
  for (const filename of keys) {
    if (baseName(filename).startsWith('_')) continue;
    const r = tpls.get(filename);
    if (r === undefined) continue;
    const previous = inc?.reuse?.reusable(filename);
    if (inc !== undefined && previous !== undefined) {
      for (const n of previous.notes) note?.(n);
      inc.runs.set(filename, previous);
      out.push(previous.file);
      continue;
    }
    r.vals.set(
      'Template',
      new Map<string, Value>([
        ['Name', filename],
        ['BasePath', r.basePath],
      ]),
    );
    const raw: Segment[] = [];
    let reads: TemplateRun['reads'] | null = null;
    let at = 0;
    let text: string;
    if (inc !== undefined) {
      inc.tracker.current = new Map();
      notes = [];
    }
    try {
      text = set.execute(filename, r.vals, (chunk, origin) => {
        raw.push(
          origin.values === undefined
            ? { at, tree: origin.tree, pos: origin.pos, kind: origin.kind }
            : { at, tree: origin.tree, pos: origin.pos, kind: origin.kind, values: origin.values },
        );
        at += chunk.length;
      });
    } catch (e) {
      if (e instanceof TemplateExecError) throw cleanupExecError(filename, e);
      throw e;
    } finally {
      if (inc !== undefined) {
        reads = inc.tracker.current;
        inc.tracker.current = null;
      }
    }
    const file = removeNoValue(filename, text, raw);
    if (inc !== undefined && reads !== null) inc.runs.set(filename, { file, reads, notes: notes ?? [] });
    out.push(file);
  }
  return out;
}

/** strings.ReplaceAll(out, "<no value>", "") with the segments' offsets moved accordingly. */
function removeNoValue(name: string, text: string, raw: readonly Segment[]): RenderedFile {
  const NV = '<no value>';
  const cuts: number[] = [];
  for (let i = text.indexOf(NV); i >= 0; i = text.indexOf(NV, i + NV.length)) cuts.push(i);
  if (cuts.length === 0) return { name, content: text, segments: raw };
  const moved = (o: number): number => {
    let removed = 0;
    for (const c of cuts) {
      if (c + NV.length <= o) removed += NV.length;
      else if (c < o) removed += o - c;
      else break;
    }
    return o - removed;
  };
  const segments: Segment[] = [];
  for (const s of raw) {
    const at = moved(s.at);
    const last = segments[segments.length - 1];
    if (last !== undefined && last.at === at) segments[segments.length - 1] = { ...s, at };
    else segments.push({ ...s, at });
  }
  return { name, content: text.split(NV).join(''), segments };
}
