// A chart as Helm's loader builds it (pkg/chart, pkg/chart/loader): Chart.yaml decoded into
// Metadata with encoding/json's typing, requirements.yaml for apiVersion v1, values.yaml,
// values.schema.json, templates/, charts/ (directories and .tgz archives), other files, and
// Metadata.Validate's checks and wording. Reads a directory through the render layer's
// file-system interface, applying .helmignore as LoadDir does.
import type { Value } from '../gotemplate';
import type { KustomizeFs } from '../kustomize/fs';
import type { ArchiveLimits, ChartFile } from './archive';
import { ArchiveError, DEFAULT_ARCHIVE_LIMITS, loadArchiveFiles, trimBom } from './archive';
import { parseIgnoreRules } from './ignore';
import { isValidSemver } from './semver';
import type { MutableValues, ParsedYaml } from './values';
import type { HelmRenderCache } from './cache';
import { copyValues, isTable, jsonKind, patchValues, readValues, readYaml } from './values';

/** The file-system interface the render layer reads (the CLI supplies the real one). */
export type ChartFs = KustomizeFs;

export interface Maintainer {
  name: string;
  email: string;
  url: string;
}

export interface Dependency {
  name: string;
  version: string;
  repository: string;
  condition: string;
  tags: string[];
  enabled: boolean;
  importValues: Value[];
  alias: string;
}

export interface Metadata {
  name: string;
  home: string;
  sources: string[];
  version: string;
  description: string;
  keywords: string[];
  maintainers: Maintainer[];
  icon: string;
  apiVersion: string;
  condition: string;
  tags: string;
  appVersion: string;
  deprecated: boolean;
  annotations: Map<string, string>;
  kubeVersion: string;
  /** null when Chart.yaml has no dependencies (Go's nil slice). */
  dependencies: Dependency[] | null;
  type: string;
}

export interface Chart {
  metadata: Metadata;
  values: MutableValues;
  /** values.yaml as parsed, for the values lines of rendered values (source maps). */
  valuesParsed?: ParsedYaml;
  schema?: Uint8Array;
  templates: ChartFile[];
  /** Files that are neither templates, values nor Chart.yaml (crds/, README, config files). */
  files: ChartFile[];
  parent?: Chart;
  dependencies: Chart[];
  /** Where the chart was read from (a directory, or `dir/charts/x.tgz`) for source maps. */
  origin: string;
}

export class ChartLoadError extends Error {
  override readonly name = 'ChartLoadError';
}

/** `dir` + `/` + `rel`, without doubling the root's slash. */
export function joinPath(dir: string, rel: string): string {
  return dir.endsWith('/') ? `${dir}${rel}` : `${dir}/${rel}`;
}

export function chartName(c: Chart): string {
  return c.metadata.name;
}

export function isRoot(c: Chart): boolean {
  return c.parent === undefined;
}

/** chart.ChartFullPath: `parent/charts/child`. */
export function chartFullPath(c: Chart): string {
  return c.parent === undefined ? c.metadata.name : `${chartFullPath(c.parent)}/charts/${c.metadata.name}`;
}

export function setDependencies(c: Chart, deps: Chart[]): void {
  c.dependencies = [];
  for (const d of deps) {
    d.parent = c;
    c.dependencies.push(d);
  }
}

// ---- Chart.yaml decoding (sigs.k8s.io/yaml → encoding/json into chart.Metadata) ----

interface Decoder {
  error?: string;
}

function mismatch(d: Decoder, v: Value, field: string, goType: string): void {
  d.error ??= `json: cannot unmarshal ${jsonKind(v)} into Go struct field ${field} of type ${goType}`;
}

function str(d: Decoder, v: Value, field: string): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  mismatch(d, v, field, 'string');
  return '';
}

function bool(d: Decoder, v: Value, field: string): boolean {
  if (v === null || v === undefined) return false;
  if (typeof v === 'boolean') return v;
  mismatch(d, v, field, 'bool');
  return false;
}

function strList(d: Decoder, v: Value, field: string): string[] {
  if (v === null || v === undefined) return [];
  if (!Array.isArray(v)) {
    mismatch(d, v, field, '[]string');
    return [];
  }
  return (v as readonly Value[]).map((x) => str(d, x, field));
}

/** encoding/json matches keys case-insensitively (an exact match first). */
function field(m: ReadonlyMap<string, Value>, name: string): Value {
  if (m.has(name)) return m.get(name);
  const lower = name.toLowerCase();
  for (const [k, v] of m) if (k.toLowerCase() === lower) return v;
  return undefined;
}

function decodeDependency(d: Decoder, v: Value): Dependency | null {
  if (v === null || v === undefined) return null;
  if (!isTable(v)) {
    mismatch(d, v, 'Metadata.dependencies', 'chart.Dependency');
    return null;
  }
  const f = (n: string): Value => field(v, n);
  const iv = f('import-values');
  let importValues: Value[] = [];
  if (Array.isArray(iv)) importValues = [...(iv as readonly Value[])];
  else if (iv !== null && iv !== undefined)
    mismatch(d, iv, 'Metadata.dependencies.import-values', '[]interface {}');
  return {
    name: str(d, f('name'), 'Metadata.dependencies.name'),
    version: str(d, f('version'), 'Metadata.dependencies.version'),
    repository: str(d, f('repository'), 'Metadata.dependencies.repository'),
    condition: str(d, f('condition'), 'Metadata.dependencies.condition'),
    tags: strList(d, f('tags'), 'Metadata.dependencies.tags'),
    enabled: bool(d, f('enabled'), 'Metadata.dependencies.enabled'),
    importValues,
    alias: str(d, f('alias'), 'Metadata.dependencies.alias'),
  };
}

function emptyMetadata(): Metadata {
  return {
    name: '',
    home: '',
    sources: [],
    version: '',
    description: '',
    keywords: [],
    maintainers: [],
    icon: '',
    apiVersion: '',
    condition: '',
    tags: '',
    appVersion: '',
    deprecated: false,
    annotations: new Map(),
    kubeVersion: '',
    dependencies: null,
    type: '',
  };
}

/** yaml.Unmarshal(data, md): fields present in the YAML overwrite those of `md`. */
function decodeMetadataInto(md: Metadata, text: string, what: string, nullDeps: { v: boolean }): void {
  const r = readYaml(text);
  if (r.error !== undefined)
    throw new ChartLoadError(`cannot load ${what}: error converting YAML to JSON: ${r.error}`);
  if (r.value === null) return;
  const prefix = `cannot load ${what}: error unmarshaling JSON: while decoding JSON: `;
  if (!isTable(r.value))
    throw new ChartLoadError(
      `${prefix}json: cannot unmarshal ${jsonKind(r.value)} into Go value of type chart.Metadata`,
    );
  const m = r.value;
  const d: Decoder = {};
  const has = (n: string): boolean => field(m, n) !== undefined;
  const s = (n: string): string => str(d, field(m, n), `Metadata.${n}`);
  for (const n of [
    'name',
    'home',
    'version',
    'description',
    'icon',
    'apiVersion',
    'condition',
    'tags',
    'appVersion',
    'kubeVersion',
    'type',
  ] as const) {
    if (has(n)) md[n] = s(n);
  }
  if (has('sources')) md.sources = strList(d, field(m, 'sources'), 'Metadata.sources');
  if (has('keywords')) md.keywords = strList(d, field(m, 'keywords'), 'Metadata.keywords');
  if (has('deprecated')) md.deprecated = bool(d, field(m, 'deprecated'), 'Metadata.deprecated');
  if (has('annotations')) {
    const a = field(m, 'annotations');
    md.annotations = new Map();
    if (isTable(a ?? null)) {
      for (const [k, x] of a as ReadonlyMap<string, Value>)
        md.annotations.set(k, str(d, x, `Metadata.annotations.${k}`));
    } else if (a !== null) mismatch(d, a ?? null, 'Metadata.annotations', 'map[string]string');
  }
  if (has('maintainers')) {
    const list = field(m, 'maintainers');
    md.maintainers = [];
    if (Array.isArray(list)) {
      for (const x of list as readonly Value[]) {
        if (x === null) {
          nullDeps.v = true;
          continue;
        }
        if (!isTable(x)) {
          mismatch(d, x, 'Metadata.maintainers', 'chart.Maintainer');
          continue;
        }
        md.maintainers.push({
          name: str(d, field(x, 'name'), 'Metadata.maintainers.name'),
          email: str(d, field(x, 'email'), 'Metadata.maintainers.email'),
          url: str(d, field(x, 'url'), 'Metadata.maintainers.url'),
        });
      }
    } else if (list !== null) mismatch(d, list ?? null, 'Metadata.maintainers', '[]*chart.Maintainer');
  }
  if (has('dependencies')) {
    const list = field(m, 'dependencies');
    if (Array.isArray(list)) {
      md.dependencies = [];
      for (const x of list as readonly Value[]) {
        const dep = decodeDependency(d, x);
        if (dep === null) {
          nullDeps.v = true;
          continue;
        }
        md.dependencies.push(dep);
      }
    } else if (list !== null) mismatch(d, list ?? null, 'Metadata.dependencies', '[]*chart.Dependency');
    else md.dependencies = null;
  }
  if (d.error !== undefined) throw new ChartLoadError(prefix + d.error);
}

// ---- Metadata.Validate ----

/** chart's sanitizeString: whitespace becomes a space, unprintable runes are dropped. */
function sanitize(s: string): string {
  let out = '';
  for (const ch of s) {
    if (/\s/u.test(ch)) out += ' ';
    else if (/[\p{L}\p{M}\p{N}\p{P}\p{S}]/u.test(ch) || ch === ' ') out += ch;
  }
  return out;
}

export function validateMetadata(md: Metadata, hasNullEntries: boolean): void {
  const fail = (msg: string): never => {
    throw new ChartLoadError(`validation: ${msg}`);
  };
  md.name = sanitize(md.name);
  md.description = sanitize(md.description);
  md.home = sanitize(md.home);
  md.icon = sanitize(md.icon);
  md.condition = sanitize(md.condition);
  md.tags = sanitize(md.tags);
  md.appVersion = sanitize(md.appVersion);
  md.kubeVersion = sanitize(md.kubeVersion);
  md.sources = md.sources.map(sanitize);
  md.keywords = md.keywords.map(sanitize);
  if (md.apiVersion === '') fail('chart.metadata.apiVersion is required');
  if (md.name === '') fail('chart.metadata.name is required');
  if (md.name === '.' || md.name === '..') fail(`chart.metadata.name "${md.name}" is not allowed`);
  if (md.name.includes('/') || md.name.includes('\\')) fail(`chart.metadata.name "${md.name}" is invalid`);
  if (md.version === '') fail('chart.metadata.version is required');
  if (!isValidSemver(md.version)) fail(`chart.metadata.version "${md.version}" is invalid`);
  if (!['', 'application', 'library'].includes(md.type))
    fail('chart.metadata.type must be application or library');
  if (hasNullEntries) fail('dependencies must not contain empty or null nodes');
  const seen = new Set<string>();
  for (const dep of md.dependencies ?? []) {
    dep.name = sanitize(dep.name);
    dep.version = sanitize(dep.version);
    dep.repository = sanitize(dep.repository);
    dep.condition = sanitize(dep.condition);
    dep.tags = dep.tags.map(sanitize);
    if (dep.alias !== '' && !/^[a-zA-Z0-9_-]+$/.test(dep.alias))
      fail(`dependency "${dep.name}" has disallowed characters in the alias`);
    const key = dep.alias !== '' ? dep.alias : dep.name;
    if (seen.has(key)) fail(`more than one dependency with name or alias "${key}"`);
    seen.add(key);
  }
}

// ---- LoadFiles ----

const decoder = new TextDecoder();

export function fileText(data: Uint8Array): string {
  return decoder.decode(data);
}

/** loader.LoadFiles: builds a chart (and its subcharts) from its files. */
export function loadFiles(
  files: readonly ChartFile[],
  origin: string,
  limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS,
  depth = 0,
  cache?: HelmRenderCache,
): Chart {
  if (depth > 50) throw new ChartLoadError('subcharts nested deeper than 50 levels');
  let md: Metadata | undefined;
  const nullEntries = { v: false };
  const chart: Chart = {
    metadata: emptyMetadata(),
    values: new Map(),
    templates: [],
    files: [],
    dependencies: [],
    origin,
  };
  for (const f of files) {
    if (f.name === 'Chart.yaml') {
      md ??= emptyMetadata();
      decodeMetadataInto(md, fileText(f.data), 'Chart.yaml', nullEntries);
      if (md.apiVersion === '') md.apiVersion = 'v1';
    }
  }
  const subcharts = new Map<string, ChartFile[]>();
  for (const f of files) {
    const n = f.name;
    if (n === 'Chart.yaml') continue;
    if (n === 'Chart.lock' || n === 'requirements.lock') {
      const r = readYaml(fileText(f.data));
      if (r.error !== undefined)
        throw new ChartLoadError(`cannot load ${n}: error converting YAML to JSON: ${r.error}`);
      if (n === 'requirements.lock') {
        md ??= emptyMetadata();
        if (md.apiVersion === 'v1') chart.files.push(f);
      }
    } else if (n === 'values.yaml') {
      const text = fileText(f.data);
      const r = cache
        ? cache.valuesAt(
            joinPath(origin, n),
            text,
            () => readValues(text),
            (before, was) => patchValues(before, was, text),
          )
        : readValues(text);
      if (r.error !== undefined) throw new ChartLoadError(`cannot load values.yaml: ${r.error}`);
      // Coalescing changes a chart's values in place: a shared (cached) table is copied.
      chart.values = cache ? copyValues(r.values) : r.values;
      if (r.parsed !== undefined) chart.valuesParsed = r.parsed;
    } else if (n === 'values.schema.json') {
      chart.schema = f.data;
    } else if (n === 'requirements.yaml') {
      md ??= emptyMetadata();
      decodeMetadataInto(md, fileText(f.data), 'requirements.yaml', nullEntries);
      if (md.apiVersion === 'v1') chart.files.push(f);
    } else if (n.startsWith('templates/')) {
      chart.templates.push(f);
    } else if (n.startsWith('charts/')) {
      if (n.endsWith('.prov')) {
        chart.files.push(f);
        continue;
      }
      const fname = n.slice('charts/'.length);
      const cname = fname.split('/')[0] ?? '';
      const list = subcharts.get(cname) ?? [];
      list.push({ name: fname, data: f.data });
      subcharts.set(cname, list);
    } else {
      chart.files.push(f);
    }
  }
  if (md === undefined) throw new ChartLoadError('Chart.yaml file is missing');
  chart.metadata = md;
  validateMetadata(md, nullEntries.v);
  // Go ranges over a map here (random order); sorted keeps renders deterministic.
  for (const n of [...subcharts.keys()].sort()) {
    const list = subcharts.get(n) ?? [];
    if (n.startsWith('_') || n.startsWith('.')) continue;
    let sc: Chart;
    try {
      if (n.endsWith('.tgz')) {
        const file = list[0];
        if (file === undefined || file.name !== n) {
          throw new ChartLoadError(
            `error unpacking subchart tar in ${md.name}: expected ${n}, got ${file?.name ?? ''}`,
          );
        }
        sc = loadFiles(
          loadArchiveFiles(file.data, limits),
          joinPath(origin, `charts/${n}`),
          limits,
          depth + 1,
          cache,
        );
      } else {
        const buff: ChartFile[] = [];
        for (const f of list) {
          const slash = f.name.indexOf('/');
          if (slash < 0) continue;
          buff.push({ name: f.name.slice(slash + 1), data: f.data });
        }
        sc = loadFiles(buff, joinPath(origin, `charts/${n}`), limits, depth + 1, cache);
      }
    } catch (e) {
      if (e instanceof ChartLoadError && e.message.startsWith('error unpacking subchart tar')) throw e;
      const msg = e instanceof Error ? e.message : String(e);
      throw new ChartLoadError(`error unpacking subchart ${n} in ${md.name}: ${msg}`);
    }
    sc.parent = chart;
    chart.dependencies.push(sc);
  }
  return chart;
}

/** loader.LoadDir over the render layer's file system: .helmignore (and its defaults) applied. */
export function loadChartDir(
  fs: ChartFs,
  dir: string,
  limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS,
  cache?: HelmRenderCache,
): Chart {
  const top = dir.replace(/\/+$/, '') || '/';
  const ignoreText = fs.readFile(`${top}/.helmignore`);
  const rules = parseIgnoreRules(ignoreText ?? '');
  const files: ChartFile[] = [];
  let total = 0;
  const walk = (abs: string, rel: string, depth: number): void => {
    if (depth > 64) throw new ChartLoadError(`chart directory ${top} is nested deeper than 64 levels`);
    for (const name of fs.listDir(abs)) {
      const p = abs === '/' ? `/${name}` : `${abs}/${name}`;
      const n = rel === '' ? name : `${rel}/${name}`;
      if (fs.isDir(p)) {
        if (rules.ignore(n, true)) continue;
        walk(p, n, depth + 1);
        continue;
      }
      if (rules.ignore(n, false)) continue;
      const bin = fs.readBinary?.(p);
      const data = bin !== undefined ? binaryToBytes(bin) : textBytes(fs.readFile(p));
      if (data === undefined) throw new ChartLoadError(`error reading ${n}`);
      if (data.length > limits.maxFileSize)
        throw new ChartLoadError(
          `chart file "${name}" is larger than the maximum file size ${limits.maxFileSize}`,
        );
      total += data.length;
      if (total > limits.maxChartSize)
        throw new ChartLoadError(`chart ${top} is larger than the maximum size ${limits.maxChartSize}`);
      files.push({ name: n, data: trimBom(data) });
    }
  };
  walk(top, '', 0);
  return loadFiles(files, top, limits, 0, cache);
}

/** loader.LoadArchive for a packaged chart given as bytes. */
export function loadChartArchive(data: Uint8Array, origin: string, limits = DEFAULT_ARCHIVE_LIMITS): Chart {
  try {
    return loadFiles(loadArchiveFiles(data, limits), origin, limits);
  } catch (e) {
    if (e instanceof ArchiveError) throw new ChartLoadError(e.message);
    throw e;
  }
}

function textBytes(s: string | undefined): Uint8Array | undefined {
  return s === undefined ? undefined : new TextEncoder().encode(s);
}

/** A binary string (one char per byte, as KustomizeFs.readBinary gives) → bytes. */
export function binaryToBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

/** chart.CRDObjects: crds/*.yaml|yml|json of the chart and its subcharts, with `<chart path>/crds/x`. */
export function crdObjects(c: Chart): { filename: string; data: Uint8Array }[] {
  const out: { filename: string; data: Uint8Array }[] = [];
  for (const f of c.files) {
    if (f.name.startsWith('crds/') && /\.(ya?ml|json)$/i.test(f.name))
      out.push({ filename: `${chartFullPath(c)}/${f.name}`, data: f.data });
  }
  for (const d of c.dependencies) out.push(...crdObjects(d));
  return out;
}
