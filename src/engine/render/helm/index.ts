// Public entry of the Helm render stage: `renderChart(fs, dir, options)` is `helm template`
// (Helm v3.21, client-only) over the render layer's virtual file system: values merged as the
// CLI merges them, the chart loaded, dependencies processed, values coalesced and checked
// against values.schema.json, templates rendered, manifests split, sorted and split into
// hooks; each manifest keeps a source map back to template lines. `formatHelmTemplate` prints
// the result exactly as `helm template` does. Pure: no Node built-ins, no exceptions escape.
import type { HelmRenderCache } from './cache';
import type { Tree, Value } from '../gotemplate';
import { TemplateExecError, TemplateParseError, TemplateSet } from '../gotemplate';
import { sprigFunctions } from '../sprig';
import { memoryFs } from '../kustomize/fs';
import type { ArchiveLimits } from './archive';
import { DEFAULT_ARCHIVE_LIMITS } from './archive';
import { DEFAULT_API_VERSIONS, DEFAULT_KUBE_VERSION, parseKubeVersion } from './capabilities';
import type { Chart, ChartFs } from './chart';
import { ChartLoadError, chartFullPath, crdObjects, fileText, joinPath, loadChartDir } from './chart';
import { processDependencies } from './dependencies';
import type { RenderedFile, Segment } from './engine';
import { capabilitiesObject, HelmRenderError, renderTemplates } from './engine';
import { goMatchRegExp } from './ignore';
import type { RenderRecord, TemplateRun } from './incremental';
import { ReadTracker, sameInputs, trackValues, ValuesReuse } from './incremental';
import { ManifestError, isTestHook, sortManifests, splitManifests } from './manifests';
import type { HelmValueOrigin } from './provenance';
import { valuesProvenance } from './provenance';
import { validateAgainstSchema } from './schema';
import { isCompatibleRange } from './semver';
import { parseFileInto, parseJsonInto, parseSetInto, StrvalsError } from './strvals';
import type { MutableValues, ParsedYaml } from './values';
import { coalesceValues, copyValues, mergeMaps, patchValues, readValues } from './values';

export type { ChartFs } from './chart';
export { loadChartDir, loadChartArchive, ChartLoadError } from './chart';
export { loadArchiveFiles, readTar, gunzipBounded } from './archive';
export { parseSet, parseSetInto, parseJsonInto, typedVal } from './strvals';
export { coalesceValues, coalesceTables, mergeTables, readValues, readYaml } from './values';
export { toYaml, toJson, fromYaml, fromJson, toToml, goJsonMarshal } from './encoding';
export { isTestHook, sortManifests, splitManifests, INSTALL_ORDER } from './manifests';
export { HelmRenderCache } from './cache';
export { isCompatibleRange, parseSemver } from './semver';
export { DEFAULT_API_VERSIONS, DEFAULT_KUBE_VERSION } from './capabilities';
export { helmTemplateSet, capabilitiesObject, chartObject } from './engine';
export { parseIgnoreRules } from './ignore';
export type { HelmValueOrigin } from './provenance';

export interface HelmValuesFile {
  /** As given on the command line (used in error messages). */
  readonly name: string;
  readonly text: string;
}

export interface HelmRenderOptions {
  /** Release name; default `release-name` (helm template's). */
  readonly releaseName?: string;
  /** `--name-template`: the release name rendered from this template (Sprig functions). */
  readonly nameTemplate?: string;
  readonly namespace?: string;
  /** `-f/--values` files, in order. */
  readonly valuesFiles?: readonly HelmValuesFile[];
  readonly set?: readonly string[];
  readonly setString?: readonly string[];
  readonly setJson?: readonly string[];
  /** `--set-file key=path`; `readFile` gives the file's text. */
  readonly setFile?: readonly string[];
  readonly readFile?: (path: string) => string | undefined;
  /** `--kube-version`: `1.16.0`, `v1.28`; default v1.20.0. */
  readonly kubeVersion?: string;
  /** `--api-versions`, added to the default set. */
  readonly apiVersions?: readonly string[];
  readonly isUpgrade?: boolean;
  /**
   * Dependencies declared in Chart.yaml but missing from charts/: `error` as helm template
   * (the default), or `note`: render without them and say so in `notes`.
   */
  readonly missingDependencies?: 'error' | 'note';
  readonly limits?: ArchiveLimits;
  /** What earlier renders of this workspace parsed (template trees, manifest heads); see HelmRenderCache. */
  readonly cache?: HelmRenderCache;
}

/** A template position: the chart-relative template name and where that is on disk. */
export interface TemplatePosition {
  /** The template's name in the chart tree (`mychart/charts/sub/templates/svc.yaml`). */
  readonly template: string;
  /** The file on the virtual file system (`/repo/mychart/templates/svc.yaml`). */
  readonly file: string;
  /** 1-based line and column (column counts UTF-16 units) in that file. */
  readonly line: number;
  readonly column: number;
  /** Literal template text, or the output of an action (`{{ … }}`). */
  readonly kind: 'text' | 'action';
  /** For an action that printed values: where they were set (values file line, --set flag). */
  readonly values?: readonly HelmValueOrigin[];
}

export interface HelmManifest {
  /** `# Source:` path: `<chart>/templates/x.yaml`. */
  readonly source: string;
  readonly content: string;
  readonly kind: string;
  readonly apiVersion: string;
  readonly name: string;
  /** The hook events (`pre-install,post-install`, `test`), if this is a hook. */
  readonly hook?: string;
  /** Per line of `content` (index 0 = line 1): where that line's first character came from. */
  readonly sourceMap: readonly (TemplatePosition | undefined)[];
  /**
   * Per line of `content`: every piece of the line with its 1-based start column and origin
   * (a value printed by `{{ .Values.port }}` is its own piece after the literal `port: `).
   */
  readonly sourceSpans: readonly (readonly SourceSpan[])[];
}

export interface SourceSpan {
  /** 1-based column in the manifest line where this piece starts. */
  readonly column: number;
  readonly origin: TemplatePosition;
}

/** A piece of a manifest an action printed from values, with where those values were set. */
export interface HelmValueSpan {
  /** 1-based line of the manifest content, and the columns of the piece (end exclusive). */
  readonly line: number;
  readonly column: number;
  readonly endColumn: number;
  /** What the action printed there (this line's part of it). */
  readonly text: string;
  /** The action in the template. */
  readonly origin: TemplatePosition;
  readonly values: readonly HelmValueOrigin[];
}

/** The pieces of a manifest printed from values (from its sourceSpans). */
export function valueSpans(m: HelmManifest): HelmValueSpan[] {
  const out: HelmValueSpan[] = [];
  const lines = m.content.split('\n');
  m.sourceSpans.forEach((spans, i) => {
    const text = lines[i] ?? '';
    spans.forEach((s, j) => {
      const values = s.origin.values;
      if (values === undefined || values.length === 0) return;
      const end = spans[j + 1]?.column ?? text.length + 1;
      // A line that starts inside an action's output begins with its indentation.
      const column = j === 0 ? Math.max(s.column, text.length - text.trimStart().length + 1) : s.column;
      if (end <= column) return;
      out.push({
        line: i + 1,
        column,
        endColumn: end,
        text: text.slice(column - 1, end - 1),
        origin: s.origin,
        values,
      });
    });
  });
  return out;
}

export interface HelmCrd {
  /** `<chart path>/crds/x.yaml` */
  readonly source: string;
  readonly content: string;
}

export interface HelmError {
  /** Helm's message (what follows `Error: `). */
  readonly message: string;
  /** Render errors get `Use --debug flag…` from helm template; load and values errors do not. */
  readonly stage: 'values' | 'load' | 'render';
  /** The template file and 1-based line/column, when the error names one. */
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
  /** With --debug, what helm prints before the error (the rendered files, for a YAML error). */
  readonly debugOutput?: string;
}

export interface HelmRenderResult {
  readonly chart?: string;
  readonly releaseName: string;
  /** Regular manifests in install order, then hooks (as helm template prints them). */
  readonly manifests: readonly HelmManifest[];
  readonly crds: readonly HelmCrd[];
  /** The root chart's rendered NOTES.txt ('' if none). */
  readonly releaseNotes: string;
  /** Info for the user: lookups answered empty, coalescing warnings, skipped hooks. */
  readonly notes: readonly string[];
  readonly error?: HelmError;
}

const RELEASE_NAME_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** cli/values Options.MergeValues. Throws HelmError-shaped errors. */
function mergeUserValues(
  o: HelmRenderOptions,
  parsedFiles: { name: string; parsed?: ParsedYaml }[] = [],
): MutableValues {
  let base: MutableValues = new Map();
  for (const f of o.valuesFiles ?? []) {
    const r = o.cache
      ? o.cache.valuesAt(
          `--values ${f.name}`,
          f.text,
          () => readValues(f.text),
          (before, was) => patchValues(before, was, f.text),
        )
      : readValues(f.text);
    if (r.error !== undefined) throw stageError('values', `failed to parse ${f.name}: ${r.error}`);
    base = mergeMaps(base, o.cache ? copyValues(r.values) : r.values);
    parsedFiles.push(r.parsed === undefined ? { name: f.name } : { name: f.name, parsed: r.parsed });
  }
  for (const v of o.setJson ?? []) {
    try {
      parseJsonInto(v, base);
    } catch {
      throw stageError('values', `failed parsing --set-json data ${v}`);
    }
  }
  const each = (list: readonly string[] | undefined, what: string, parse: (s: string) => void): void => {
    for (const v of list ?? []) {
      try {
        parse(v);
      } catch (e) {
        if (e instanceof StrvalsError)
          throw stageError('values', `failed parsing ${what} data: ${e.message}`);
        throw e;
      }
    }
  };
  each(o.set, '--set', (s) => parseSetInto(s, base, false));
  each(o.setString, '--set-string', (s) => parseSetInto(s, base, true));
  each(o.setFile, '--set-file', (s) =>
    parseFileInto(s, base, (path) => {
      const text = o.readFile?.(path);
      if (text === undefined) throw new StrvalsError(`open ${path}: no such file or directory`);
      return text;
    }),
  );
  return base;
}

class StageError extends Error {
  constructor(readonly error: HelmError) {
    super(error.message);
  }
}

function stageError(stage: HelmError['stage'], message: string, at: Partial<HelmError> = {}): StageError {
  return new StageError({ ...at, stage, message });
}

function releaseNameOf(o: HelmRenderOptions): string {
  if (o.nameTemplate === undefined || o.nameTemplate === '') return o.releaseName ?? 'release-name';
  const set = new TemplateSet({ funcs: sprigFunctions({}) });
  try {
    set.parse('name-template', o.nameTemplate);
    return set.execute('name-template', null);
  } catch (e) {
    if (e instanceof TemplateParseError || e instanceof TemplateExecError)
      throw stageError('values', e.message);
    throw e;
  }
}

/** Where the templates of each chart live on the file system, by template name. */
function templateFiles(c: Chart, out: Map<string, string>): void {
  const base = chartFullPath(c);
  for (const t of c.templates) out.set(`${base}/${t.name}`, joinPath(c.origin, t.name));
  for (const d of c.dependencies) templateFiles(d, out);
}

/** Line starts of a tree's text, for offset → line/column. */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

function lastAtOrBefore<T>(list: readonly T[], key: (t: T) => number, x: number): number {
  let lo = 0;
  let hi = list.length - 1;
  let best = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (key(list[mid] as T) <= x) {
      best = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return best;
}

class SourceMapper {
  private readonly starts = new Map<Tree, number[]>();
  constructor(private readonly files: ReadonlyMap<string, string>) {}

  position(segments: readonly Segment[], offset: number): TemplatePosition | undefined {
    const i = lastAtOrBefore(segments, (s) => s.at, offset);
    const seg = segments[i];
    if (seg === undefined) return undefined;
    const pos = seg.kind === 'text' ? seg.pos + (offset - seg.at) : seg.pos;
    let starts = this.starts.get(seg.tree);
    if (starts === undefined) {
      starts = lineStarts(seg.tree.text);
      this.starts.set(seg.tree, starts);
    }
    const li = lastAtOrBefore(starts, (s) => s, pos);
    const template = seg.tree.parseName;
    const at = {
      template,
      file: this.files.get(template) ?? template,
      line: li + 1,
      column: pos - (starts[li] ?? 0) + 1,
      kind: seg.kind,
    };
    if (seg.values === undefined) return at;
    return { ...at, values: seg.values as readonly HelmValueOrigin[] };
  }

  lines(file: RenderedFile, offset: number, content: string): (TemplatePosition | undefined)[] {
    const out: (TemplatePosition | undefined)[] = [];
    let at = 0;
    for (const line of content.split('\n')) {
      const indent = /^[ \t]*/.exec(line)?.[0].length ?? 0;
      const first = indent < line.length ? indent : 0;
      out.push(this.position(file.segments, offset + at + first));
      at += line.length + 1;
    }
    return out;
  }

  spans(file: RenderedFile, offset: number, content: string): SourceSpan[][] {
    const segs = file.segments;
    const out: SourceSpan[][] = [];
    let at = 0;
    for (const line of content.split('\n')) {
      const start = offset + at;
      const end = start + line.length;
      const pieces: SourceSpan[] = [];
      const first = this.position(segs, start);
      if (first !== undefined && line.length > 0) pieces.push({ column: 1, origin: first });
      let i = lastAtOrBefore(segs, (g) => g.at, start) + 1;
      for (; i < segs.length && (segs[i]?.at ?? end) < end; i++) {
        const seg = segs[i];
        if (seg === undefined) continue;
        const origin = this.position(segs, seg.at);
        if (origin !== undefined) pieces.push({ column: seg.at - start + 1, origin });
      }
      out.push(pieces);
      at += line.length + 1;
    }
    return out;
  }
}

function emptyResult(
  releaseName: string,
  error: HelmError,
  chart?: string,
  notes: string[] = [],
): HelmRenderResult {
  return { chart, releaseName, manifests: [], crds: [], releaseNotes: '', notes, error };
}

/**
 * `helm template` of a chart given as a file map: chart-relative paths (`Chart.yaml`,
 * `templates/svc.yaml`, `charts/dep-1.0.0.tgz`) to text or bytes.
 */
export function renderChartFiles(
  files: Readonly<Record<string, string | Uint8Array>>,
  options: HelmRenderOptions = {},
): HelmRenderResult {
  const texts: Record<string, string> = {};
  const binaries: Record<string, string> = {};
  for (const [p, data] of Object.entries(files)) {
    const path = `/chart/${p.replace(/^\/+/, '')}`;
    if (typeof data === 'string') texts[path] = data;
    else {
      let bin = '';
      for (const b of data) bin += String.fromCharCode(b);
      binaries[path] = bin;
    }
  }
  return renderChart(memoryFs(texts, binaries), '/chart', options);
}

/** `helm template <dir>` over `fs`. Never throws. */
export function renderChart(fs: ChartFs, dir: string, options: HelmRenderOptions = {}): HelmRenderResult {
  return render(fs, dir, options, true);
}

/** With `reuse`, and a cache, templates whose reads of the values answer as last time are not executed again. */
function render(fs: ChartFs, dir: string, options: HelmRenderOptions, reuse: boolean): HelmRenderResult {
  const notes: string[] = [];
  let releaseName = options.releaseName ?? 'release-name';
  let chart: Chart | undefined;
  try {
    releaseName = releaseNameOf(options);
    const parsedFiles: { name: string; parsed?: ParsedYaml }[] = [];
    const vals = mergeUserValues(options, parsedFiles);
    try {
      chart = loadChartDir(fs, dir, options.limits ?? DEFAULT_ARCHIVE_LIMITS, options.cache);
    } catch (e) {
      if (e instanceof ChartLoadError) throw stageError('load', e.message);
      throw e;
    }
    const type = chart.metadata.type;
    if (type !== '' && type !== 'application') throw stageError('load', `${type} charts are not installable`);
    const reqs = chart.metadata.dependencies;
    if (reqs !== null) {
      const have = new Set(chart.dependencies.map((d) => d.metadata.name));
      const missing = reqs.filter((r) => !have.has(r.name)).map((r) => r.name);
      if (missing.length > 0 && options.missingDependencies === 'note') {
        // An editor preview: what can render without them does, and a note says what is left out.
        for (const r of reqs.filter((d) => !have.has(d.name)))
          notes.push(
            `dependency ${r.name}${r.repository ? ` (${r.repository})` : ''} is not in charts/ and is not fetched (run \`helm dependency build\`); rendered without it`,
          );
      } else if (missing.length > 0) {
        throw stageError(
          'load',
          `An error occurred while checking for chart dependencies. You may need to run \`helm dependency build\` to fetch missing dependencies: found in Chart.yaml, but missing in charts/ directory: ${missing.join(', ')}`,
        );
      }
    }
    if (releaseName.length > 53 || !RELEASE_NAME_RE.test(releaseName)) {
      throw stageError(
        'load',
        `release name "${releaseName}": invalid release name, must match regex ^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$ and the length must not be longer than 53`,
      );
    }
    const warn = (m: string): void => {
      notes.push(m);
    };
    try {
      processDependencies(chart, vals, true, warn);
    } catch (e) {
      throw stageError('load', e instanceof Error ? e.message : String(e));
    }
    let kube = DEFAULT_KUBE_VERSION;
    if (options.kubeVersion !== undefined) {
      const k = parseKubeVersion(options.kubeVersion);
      if ('error' in k) throw stageError('values', k.error);
      kube = k;
    }
    const caps = capabilitiesObject(kube, [...DEFAULT_API_VERSIONS, ...(options.apiVersions ?? [])]);
    const isUpgrade = options.isUpgrade ?? false;
    const release = new Map<string, Value>([
      ['Name', releaseName],
      ['Namespace', options.namespace ?? 'default'],
      ['IsUpgrade', isUpgrade],
      ['IsInstall', !isUpgrade],
      ['Revision', 1n],
      ['Service', 'Helm'],
    ]);
    let values: MutableValues;
    try {
      values = coalesceValues(coalesceChart(chart), vals, false, warn);
    } catch (e) {
      throw stageError('load', e instanceof Error ? e.message : String(e));
    }
    const schemaErr = validateAgainstSchema(chart, values);
    if (schemaErr !== undefined) {
      throw stageError(
        'values',
        `values don't meet the specifications of the schema(s) in the following chart(s):\n${schemaErr}`,
      );
    }
    if (chart.metadata.kubeVersion !== '' && !isCompatibleRange(chart.metadata.kubeVersion, kube.version)) {
      throw stageError(
        'render',
        `chart requires kubeVersion: ${chart.metadata.kubeVersion} which is incompatible with Kubernetes ${kube.version}`,
      );
    }
    // A cached render tracks what each template reads of the values (see incremental.ts).
    const cache = options.cache;
    const tracker = cache === undefined ? undefined : new ReadTracker();
    const tracked = tracker === undefined ? undefined : trackValues(values, tracker);
    if (tracked !== undefined) values = tracked;
    const inputs = {
      chart,
      context: JSON.stringify([
        releaseName,
        options.namespace ?? 'default',
        isUpgrade,
        kube.version,
        kube.major,
        kube.minor,
        options.apiVersions ?? [],
      ]),
    };
    const previous = reuse && tracked !== undefined ? cache?.lastRender(dir) : undefined;
    const same = previous !== undefined && sameInputs(previous.inputs, inputs);
    const runs = new Map<string, TemplateRun>();
    let rendered: RenderedFile[];
    let originOf;
    let reusing: ValuesReuse | undefined;
    let scope: RenderRecord['scope'] = new Map();
    try {
      originOf = valuesProvenance({
        chart,
        values,
        valuesFiles: parsedFiles,
        set: options.set ?? [],
        setString: options.setString ?? [],
        setJson: options.setJson ?? [],
      });
      if (same && tracked !== undefined) reusing = new ValuesReuse(previous, tracked, originOf);
      rendered = renderTemplates(
        chart,
        { release, capabilities: caps, values },
        {
          note: (m) => notes.includes(m) || notes.push(m),
          originOf,
          ...(options.cache ? { cache: options.cache } : {}),
          ...(tracker !== undefined && tracked !== undefined
            ? {
                incremental: {
                  tracker,
                  runs,
                  scope: (reads) => {
                    scope = reads;
                    reusing?.scope(reads);
                  },
                  ...(reusing !== undefined ? { reuse: reusing } : {}),
                },
              }
            : {}),
        },
      );
    } catch (e) {
      if (e instanceof HelmRenderError)
        throw stageError('render', e.message, { file: e.file, line: e.line, column: e.column });
      throw e;
    }
    // A template that changed the values may change what a template it did not run before reads.
    if (tracker?.mutated && same) return render(fs, dir, options, false);
    const manifests = same ? previous.manifests : undefined;
    const made = new Map<RenderedFile, Map<number, HelmManifest>>();
    const result = assemble(chart, rendered, releaseName, notes, options.cache, manifests, made);
    if (cache !== undefined && tracked !== undefined && tracker !== undefined && result.error === undefined) {
      const record: RenderRecord | null = tracker.mutated
        ? null
        : { inputs, values: tracked, originOf, runs, manifests: made, scope };
      cache.keepRender(dir, record);
    }
    return result;
  } catch (e) {
    if (e instanceof StageError) return emptyResult(releaseName, e.error, chart?.metadata.name, notes);
    const message = e instanceof Error ? e.message : String(e);
    return emptyResult(
      releaseName,
      { stage: 'render', message: `rendering template failed: ${message}` },
      chart?.metadata.name,
      notes,
    );
  }
}

function coalesceChart(c: Chart): {
  name: string;
  values: MutableValues;
  dependencies: ReturnType<typeof coalesceChart>[];
} {
  return { name: c.metadata.name, values: c.values, dependencies: c.dependencies.map(coalesceChart) };
}

function assemble(
  chart: Chart,
  rendered: readonly RenderedFile[],
  releaseName: string,
  notes: string[],
  cache?: HelmRenderCache,
  /** The manifests made from each rendered file by the previous render (same chart and inputs). */
  previous?: ReadonlyMap<RenderedFile, ReadonlyMap<number, HelmManifest>>,
  made?: Map<RenderedFile, Map<number, HelmManifest>>,
): HelmRenderResult {
  const rootNotes = `${chart.metadata.name}/templates/NOTES.txt`;
  let releaseNotes = '';
  const files = new Map<string, string>();
  const byName = new Map<string, RenderedFile>();
  for (const f of rendered) {
    if (f.name.endsWith('NOTES.txt')) {
      if (f.name === rootNotes) releaseNotes = f.content;
      continue;
    }
    files.set(f.name, f.content);
    byName.set(f.name, f);
  }
  const crds = crdObjects(chart).map((c) => ({ source: c.filename, content: fileText(c.data) }));
  let sorted;
  try {
    sorted = sortManifests(files, cache);
  } catch (e) {
    if (!(e instanceof ManifestError)) throw e;
    let blob = '';
    for (const name of [...files.keys()].sort()) {
      const content = files.get(name) ?? '';
      if (content.trim() === '') continue;
      blob += `---\n# Source: ${name}\n${content}\n`;
    }
    return {
      chart: chart.metadata.name,
      releaseName,
      manifests: [],
      crds,
      releaseNotes,
      notes,
      error: { stage: 'render', message: e.message, debugOutput: blob },
    };
  }
  notes.push(...sorted.skipped);
  const locations = new Map<string, string>();
  templateFiles(chart, locations);
  const mapper = new SourceMapper(locations);
  const toManifest = (m: (typeof sorted.manifests)[number]): HelmManifest => {
    const file = byName.get(m.name);
    if (file === undefined || made === undefined) return manifestOf(m, file);
    const hit = previous?.get(file)?.get(m.offset);
    const out = hit !== undefined && hit.content === m.content ? hit : manifestOf(m, file);
    let here = made.get(file);
    if (here === undefined) made.set(file, (here = new Map<number, HelmManifest>()));
    here.set(m.offset, out);
    return out;
  };
  const manifestOf = (m: (typeof sorted.manifests)[number], file: RenderedFile | undefined): HelmManifest => {
    const base = {
      source: m.name,
      content: m.content,
      kind: m.head.kind,
      apiVersion: m.head.apiVersion,
      name: m.head.name,
      sourceMap: file === undefined ? [] : mapper.lines(file, m.offset, m.content),
      sourceSpans: file === undefined ? [] : mapper.spans(file, m.offset, m.content),
    };
    return m.hook === undefined ? base : { ...base, hook: m.hook.join(',') };
  };
  return {
    chart: chart.metadata.name,
    releaseName,
    manifests: [...sorted.manifests.map(toManifest), ...sorted.hooks.map(toManifest)],
    crds,
    releaseNotes,
    notes,
  };
}

export interface HelmTemplateFormat {
  readonly includeCrds?: boolean;
  readonly skipTests?: boolean;
  /** `--show-only` patterns (filepath.Match over `<path in chart>` of each manifest). */
  readonly showOnly?: readonly string[];
  readonly debug?: boolean;
}

export interface HelmTemplateOutput {
  /** What helm template writes to stdout. */
  readonly stdout: string;
  /** `Error: …` (with helm template's hint for render errors), if it fails. */
  readonly error?: string;
}

/** What `helm template` prints for a render result (cmd/helm/template.go, action.renderResources). */
export function formatHelmTemplate(
  result: HelmRenderResult,
  format: HelmTemplateFormat = {},
): HelmTemplateOutput {
  const err = result.error;
  if (err !== undefined) {
    if (err.stage !== 'render') return { stdout: '', error: `Error: ${err.message}\n` };
    if (!format.debug)
      return { stdout: '', error: `Error: ${err.message}\n\nUse --debug flag to render out invalid YAML\n` };
    return { stdout: `${(err.debugOutput ?? '').trim()}\n`, error: `Error: ${err.message}\n` };
  }
  let manifest = '';
  if (format.includeCrds)
    for (const c of result.crds) manifest += `---\n# Source: ${c.source}\n${c.content}\n`;
  for (const m of result.manifests)
    if (m.hook === undefined) manifest += `---\n# Source: ${m.source}\n${m.content}\n`;
  let out = `${manifest.trim()}\n`;
  for (const m of result.manifests) {
    if (m.hook === undefined) continue;
    if (format.skipTests && isTestHook(m.hook)) continue;
    out += `---\n# Source: ${m.source}\n${m.content}\n`;
  }
  const show = format.showOnly ?? [];
  if (show.length === 0) return { stdout: out };
  const docs = splitManifests(out).map((d) => d.content);
  let printed = '';
  for (const pattern of show) {
    const re = goMatchRegExp(pattern.replace(/\\/g, '/'));
    let missing = true;
    for (const doc of docs) {
      const m = /# Source: [^/]+\/(.+)/.exec(doc);
      if (m === null) continue;
      if (re === undefined || !re.test(m[1] ?? '')) continue;
      printed += `---\n${doc}\n`;
      missing = false;
    }
    if (missing) return { stdout: '', error: `Error: could not find template ${pattern} in chart\n` };
  }
  return { stdout: printed };
}
