// `kustomize build` (api/krusty + api/internal/target/kusttarget.go): load a kustomization,
// accumulate its resources (files, directories with their own kustomization), run generators,
// components, then the built-in transformers in kusttarget's order; at the top, add content
// hashes to generated names and fix name references. Errors come back as data.
import { KUSTOMIZATION_FILES } from '../../model/files';
import { memoized } from '../../util/memo';
import { goJsonKind } from '../../model/objects';
import type { KustomizeFs } from './fs';
import { basename, cleanPath, dirname, isWithin, resolvePath } from './fs';
import type { FieldSpec } from './fieldSpecs';
import type { Generated, GeneratorOptions } from './generators';
import { generate, readOptions } from './generators';
import { contentHash } from './hash';
import type { JsonPatchOp } from './jsonPatch';
import { applyJsonPatch } from './jsonPatch';
import type { CandidateIndex } from './nameReference';
import { candidateIndex, fixNameReferences } from './nameReference';
import type { ResId, Resource, SourceRef } from './resource';
import {
  curId,
  curIdKey,
  idKey,
  storePreviousId,
  gvkOf,
  gvkSelected,
  idString,
  makeResource,
  metadata,
  nameOf,
  namespaceOf,
  sameId,
  str,
} from './resource';
import { ReplacementError, applyReplacements } from './replacements';
import type { OpenApiSchema } from './openapi';
import { schemaListStrategy } from './openapi';
import { applySortOrder } from './sortOrder';
import { strategicMerge } from './strategicMerge';
import type { VarDef } from './vars';
import { VarError, mergeVars, readVars, resolveVars } from './vars';
import type { TransformerConfig } from './config';
import { configKey, defaultConfig, emptyConfig, mergeConfig, nameReferenceKey, readConfig } from './config';
import { configFromCrds } from './crds';
import type { ImageEntry, LabelEntry, ReplicaEntry } from './transformers';
import {
  addMapEntries,
  addPrefixSuffix,
  labelSpecs,
  setImages,
  setNamespace,
  setReplicas,
} from './transformers';
import type { ParsedDocument, Value, ValueMap } from './value';
import { clone, isValueMap, parseYamlDocuments } from './value';
import type { ParseCache, ParseResult } from './value';
import type { BuildReuse, KeptBuild, PatchPlan, RecordingFs } from './reuse';
import { copyResource, recordingFs, sameIdentity, sameResource, snapshot, thaw } from './reuse';

interface PluginConfig {
  readonly config: ValueMap;
  readonly origin: SourceRef;
  readonly dir: string;
}

/** The name and namespace lines of a plugin config's ResourceIdentifier in an origin. */
function configuredByExtra(config: ValueMap): string {
  const md = metadata(config) ?? {};
  let out = '';
  if (typeof md['name'] === 'string' && md['name'] !== '') out += `name: ${md['name']}\n`;
  if (typeof md['namespace'] === 'string' && md['namespace'] !== '') out += `namespace: ${md['namespace']}\n`;
  return out;
}

function fieldSpecsOf(v: Value | undefined): FieldSpec[] {
  if (!Array.isArray(v)) return [];
  return v.filter(isValueMap).map((f) => ({
    path: str(f['path']),
    kind: optStr(f['kind']),
    group: optStr(f['group']),
    version: optStr(f['version']),
    create: f['create'] === true,
  }));
}

interface PatchOptions {
  allowNameChange?: boolean;
  allowKindChange?: boolean;
}

export interface BuildOptions {
  /** rootOnly (default): files a kustomization reads must be in or below its directory. */
  readonly loadRestrictions?: 'rootOnly' | 'none';
  /** none (kustomize's API default): depth-first input order; legacy: kustomize build's CLI default. */
  readonly reorder?: 'none' | 'legacy' | 'unspecified';
  readonly addManagedByLabel?: boolean;
  /** The version in the managed-by label (provenance's semver; upstream's tests build with "(test)"). */
  readonly kustomizeVersion?: string;
  /** Parsed files kept between builds (see ParseCache). */
  readonly parseCache?: ParseCache;
  /** Builds of bases and printed resources kept between builds (see BuildReuse). */
  readonly reuse?: BuildReuse;
}

export interface BuildError {
  readonly file: string;
  readonly line?: number;
  readonly message: string;
}

export { KUSTOMIZATION_FILES };
const MAX_DEPTH = 64;
const ORIGIN = 'config.kubernetes.io/origin';
const TRANSFORMATIONS = 'alpha.config.kubernetes.io/transformations';

/** Unwinds a build to `run`, which turns it into data (never escapes the module). */
class Failure extends Error {
  constructor(readonly error: BuildError) {
    super(error.message);
  }
}

function fail(file: string, message: string, line?: number): never {
  throw new Failure({ file, line, message });
}

interface Kustomization {
  readonly dir: string;
  readonly file: string;
  readonly text: string;
  readonly doc: ParsedDocument;
  readonly k: ValueMap;
  readonly isComponent: boolean;
}

export class Builder {
  private readonly visiting: string[] = [];
  private readonly vars = new Map<string, VarDef>();
  /** Information for the user that does not stop the build (remote bases, helm charts). */
  readonly notes: BuildError[] = [];
  private originRoot: string | undefined;
  /** The custom openapi schema (kyaml keeps one, set by the kustomization that names it). */
  private openapi: OpenApiSchema | undefined;
  /** The accumulator's transformer configuration while a kustomization builds. */
  private cfg: TransformerConfig = defaultConfig();
  /** See withId. */
  private idIndex: { list: Resource[]; length: number; byId: Map<string, Resource[]> } | undefined;
  /** The configuration of the target built last (merged into its parent's). */
  private lastConfig: TransformerConfig = defaultConfig();
  private readonly fs: KustomizeFs;
  /** With options.reuse: the filesystem, logging what each kept build asks of it. */
  private readonly recorder: RecordingFs | undefined;
  /** The resource builds being recorded for reuse, innermost last (see resourceTarget). */
  private readonly recording: { visited: string[]; base: number; depth: number }[] = [];
  /**
   * While steps run on only the resources that changed (see steps): a patch's target may be
   * among those left out, so an id-matched patch without a match here is no error.
   */
  private subset = false;
  /** Set when a step did what makes steps depend on more than each resource (see steps). */
  private nonLocal = false;
  constructor(
    fs: KustomizeFs,
    private readonly options: BuildOptions,
  ) {
    this.recorder = options.reuse ? recordingFs(fs) : undefined;
    this.fs = this.recorder ?? fs;
  }

  private parse(text: string, uniqueKeys = true): ParseResult {
    const cache = this.options.parseCache;
    return cache ? cache.parse(text, uniqueKeys) : parseYamlDocuments(text, uniqueKeys);
  }

  /** As parse, for a reader that never mutates the documents (they may be the cache's own). */
  private parseShared(text: string, uniqueKeys = true): ParseResult {
    const cache = this.options.parseCache;
    return cache ? cache.parseShared(text, uniqueKeys) : parseYamlDocuments(text, uniqueKeys);
  }

  run(dir: string): Resource[] | BuildError {
    try {
      const root = cleanPath(dir.startsWith('/') ? dir : `/${dir}`);
      if (!this.fs.isDir(root)) fail(root, `must build at directory: '${dir}' doesn't exist`);
      // Read only, as the kustomization after the build (`kust`): the parse cache's own documents.
      const top = this.load(root, true);
      const meta = top.k['buildMetadata'];
      // Any buildMetadata turns origin tracking on (kusttarget's origin); what is not asked for is removed at the end.
      if (Array.isArray(meta) && meta.length > 0) this.originRoot = root;
      const resources = this.target(root, 'top');
      const kust = this.load(root, true);
      this.finish(kust, resources, this.lastConfig);
      // IgnoreLocal: local-config resources take part in the build but are not output.
      for (let i = resources.length - 1; i >= 0; i--) {
        const a = metadata(resources[i]?.obj ?? {})?.['annotations'];
        if (isValueMap(a) && a['config.kubernetes.io/local-config'] === 'true') resources.splice(i, 1);
      }
      if (this.originRoot !== undefined) {
        const keep = Array.isArray(meta) ? meta : [];
        for (const r of resources) {
          const md = metadata(r.obj);
          const a = md?.['annotations'];
          if (!md || !isValueMap(a)) continue;
          if (!keep.includes('originAnnotations')) delete a[ORIGIN];
          if (!keep.includes('transformerAnnotations')) delete a[TRANSFORMATIONS];
          if (Object.keys(a).length === 0) delete md['annotations'];
        }
      }
      if (
        this.options.addManagedByLabel === true ||
        (Array.isArray(meta) && meta.includes('managedByLabel'))
      ) {
        thaw(resources);
        const version = this.options.kustomizeVersion ?? 'v5.8.1';
        addMapEntries(
          resources,
          { 'app.kubernetes.io/managed-by': `kustomize-${version}` },
          [{ path: 'metadata/labels', create: true }],
          { file: top.file, line: top.doc.line },
        );
      }
      return this.sort(kust, resources);
    } catch (e) {
      if (e instanceof Failure) return e.error;
      return { file: dir, message: e instanceof Error ? e.message : String(e) };
    }
  }

  private loadOpenApi(kust: Kustomization): void {
    const o = kust.k['openapi'];
    if (!isValueMap(o)) return;
    if (typeof o['path'] === 'string' && typeof o['version'] === 'string') {
      fail(kust.file, 'builtin version and custom schema provided, cannot use both');
    }
    if (typeof o['path'] !== 'string') return;
    if (/^https?:\/\//.test(o['path']))
      fail(kust.file, `remote openapi schema '${o['path']}' is not fetched`);
    const path = resolvePath(kust.dir, o['path']);
    const text = this.fs.readFile(path);
    if (text === undefined) fail(kust.file, `'${path}' doesn't exist`);
    const doc = this.parse(text).documents[0]?.value;
    const defs = isValueMap(doc) ? doc['definitions'] : undefined;
    this.openapi = { definitions: isValueMap(defs) ? defs : {} };
  }

  /**
   * buildMetadata originAnnotations: where each resource came from, relative to the built
   * directory. `origin` is called only when origins are tracked (it costs on every resource).
   */
  private annotateOrigin(obj: ValueMap, origin: () => string): void {
    if (this.originRoot === undefined) return;
    let md = metadata(obj);
    if (!md) {
      md = {};
      obj['metadata'] = md;
    }
    const a = isValueMap(md['annotations']) ? md['annotations'] : {};
    a[ORIGIN] = origin();
    md['annotations'] = a;
  }

  private relative(path: string): string {
    const from = (this.originRoot ?? '/').split('/').filter((p) => p !== '');
    const to = path.split('/').filter((p) => p !== '');
    let i = 0;
    while (i < from.length && i < to.length && from[i] === to[i]) i++;
    return [...from.slice(i).map(() => '..'), ...to.slice(i)].join('/');
  }

  private line(k: Kustomization, key: string): SourceRef {
    return { file: k.file, line: k.doc.lines.get(`/${key}`) ?? k.doc.line };
  }

  /** `shared`: the caller never mutates what it gets (see parseShared). */
  load(dir: string, shared = false): Kustomization {
    const found = KUSTOMIZATION_FILES.filter(
      (f) => this.fs.exists(resolvePath(dir, f)) && !this.fs.isDir(resolvePath(dir, f)),
    );
    if (found.length === 0) {
      fail(
        dir,
        `unable to find one of 'kustomization.yaml', 'kustomization.yml' or 'Kustomization' in directory '${dir}'`,
      );
    }
    if (found.length > 1) fail(dir, `Found multiple kustomization files under: ${dir}\n`);
    const file = resolvePath(dir, found[0] ?? '');
    const text = this.fs.readFile(file) ?? '';
    // Kustomization files are read as sigs.k8s.io/yaml reads them: a repeated key, the last wins.
    const parsed = shared ? this.parseShared(text, false) : this.parse(text, false);
    if (parsed.error) fail(file, parsed.error.message, parsed.error.line);
    const doc = parsed.documents[0] ?? { value: {}, line: 1, lines: new Map() };
    const raw = isValueMap(doc.value)
      ? doc.value
      : doc.value === null
        ? {}
        : fail(file, 'kustomization is not a map');
    const k = canonicalKeys(raw);
    const kind = str(k['kind']);
    return { dir, file, text, doc, k, isComponent: kind === 'Component' };
  }

  private checkPath(root: string): (path: string) => string | undefined {
    return (path) =>
      this.options.loadRestrictions === 'none' || isWithin(path, root)
        ? undefined
        : `security; file '${path}' is not in or below '${root}'`;
  }

  /** Accumulates a kustomization (or component, applied onto `into`). */
  /** `role`: the directory built, a resource (kind Kustomization), or a component (kind Component). */
  private target(dir: string, role: 'top' | 'resource' | 'component', into?: Resource[]): Resource[] {
    if (this.visiting.length > MAX_DEPTH) fail(dir, `kustomizations nested deeper than ${MAX_DEPTH}`);
    const cycle = this.visiting.find((v) => v === dir);
    if (cycle)
      fail(
        dir,
        `cycle detected: candidate root '${dir}' contains visited root '${this.visiting[this.visiting.length - 1] ?? dir}'`,
      );
    // The parse cache's own documents: nothing a build does changes a kustomization it reads.
    const kust = this.load(dir, true);
    if (kust.isComponent && role === 'resource')
      fail(kust.file, `expected kind != 'Component' for path '${dir}'`);
    if (!kust.isComponent && role === 'component') {
      fail(
        kust.file,
        `accumulating components: accumulateDirectory: "expected kind 'Component' for path '${dir}' but got '${str(kust.k['kind']) || 'Kustomization'}'"`,
      );
    }
    if (
      kust.isComponent &&
      str(kust.k['apiVersion']) !== '' &&
      str(kust.k['apiVersion']) !== 'kustomize.config.k8s.io/v1alpha1'
    ) {
      fail(kust.file, `apiVersion for Component should be kustomize.config.k8s.io/v1alpha1`);
    }
    this.loadOpenApi(kust);
    this.visiting.push(dir);
    for (const r of this.recording) {
      r.visited.push(dir);
      r.depth = Math.max(r.depth, this.visiting.length - r.base);
    }
    const parentCfg = this.cfg;
    const own = role === 'component' ? parentCfg : defaultConfig();
    this.cfg = own;
    try {
      const k = kust.k;
      const resources: Resource[] = into ?? [];
      // The ids added so far: no accumulated resource changes its id while resources are added.
      const reuse = this.options.reuse;
      const ids: Accumulated = {
        keys: resources.map(curIdKey),
        known: into ? undefined : reuse?.accumulated.get(dir),
        set: undefined,
      };
      strings(k['resources']).forEach((entry, i) => this.accumulate(kust, entry, resources, ids, i));
      if (reuse && !into && ids.keys.length > 0) {
        const known = ids.known;
        const same = ids.set === undefined && known?.length === ids.keys.length;
        reuse.accumulated.set(dir, same ? known : ids.keys.slice());
      }
      if (Array.isArray(k['helmCharts']) && k['helmCharts'].length > 0) {
        this.notes.push({
          file: kust.file,
          line: kust.doc.lines.get('/helmCharts') ?? kust.doc.line,
          message:
            'helmCharts are not rendered yet (they need the Helm renderer, issue 16); the build leaves them out',
        });
      }
      this.cfg = own;
      for (const c of strings(k['crds'])) {
        for (const { doc } of this.patchDocs(kust, c, '/crds')) {
          if (!isValueMap(doc.value)) continue;
          const crdConfig = emptyConfig();
          configFromCrds(doc.value, crdConfig);
          mergeConfig(own, crdConfig);
        }
      }
      for (const c of strings(k['configurations'])) {
        for (const { doc } of this.patchDocs(kust, c, '/configurations')) {
          if (isValueMap(doc.value)) mergeConfig(own, readConfig(doc.value));
        }
      }
      this.generators(kust, resources, ids.keys);
      for (const c of this.pluginConfigs(kust, 'generators')) this.runGeneratorConfig(kust, c, resources);
      if (strings(k['components']).length > 0) thaw(resources);
      for (const c of strings(k['components'])) {
        const path = resolvePath(dir, c);
        if (!this.fs.isDir(path)) {
          fail(
            kust.file,
            `accumulating components: accumulateDirectory: "must build at directory: '${path}': file is not directory"`,
          );
        }
        this.target(path, 'component', resources);
      }
      this.steps(kust, role, resources);
      const vars = readVars(k['vars']);
      if (vars.length > 0) thaw(resources);
      this.guard(kust, () => mergeVars(this.vars, vars, resources));
      return resources;
    } finally {
      this.visiting.pop();
      this.cfg = parentCfg;
      this.lastConfig = own;
    }
  }

  private accumulate(
    kust: Kustomization,
    entry: string,
    resources: Resource[],
    ids: Accumulated,
    index = 0,
  ): void {
    if (
      /^[a-z][a-z0-9+.-]*:\/\//i.test(entry) ||
      entry.startsWith('git@') ||
      entry.startsWith('github.com/')
    ) {
      // Remote bases are never fetched: a note names them and the rest builds.
      this.notes.push({
        file: kust.file,
        line: kust.doc.lines.get(`/resources/${index}`) ?? kust.doc.line,
        message: `remote resource '${entry}' is not fetched; the build leaves it out`,
      });
      return;
    }
    const path = resolvePath(kust.dir, entry);
    if (this.fs.isDir(path)) {
      let sub: Resource[];
      try {
        sub = this.resourceTarget(path);
      } catch (e) {
        if (!(e instanceof Failure)) throw e;
        fail(
          e.error.file,
          `accumulating resources: accumulation err='accumulating resources from '${entry}': ${e.error.message}'`,
          e.error.line,
        );
      }
      mergeConfig(this.cfg, this.lastConfig);
      for (const r of sub) this.add(resources, r, kust.file, ids);
      return;
    }
    const text = this.fs.readFile(path);
    if (text === undefined) {
      fail(
        kust.file,
        `accumulating resources: accumulation err='accumulating resources from '${entry}': evalsymlink failure on '${path}' : lstat ${path}: no such file or directory': must build at directory: not a valid directory: evalsymlink failure on '${path}' : lstat ${path}: no such file or directory`,
      );
    }
    const bad = this.checkPath(kust.dir)(path);
    if (bad)
      fail(
        kust.file,
        `accumulating resources: accumulation err='accumulating resources from '${entry}': ${bad}': must build at directory: '${path}': file is not directory`,
      );
    for (const r of this.readResources(path, text)) {
      this.annotateOrigin(r.obj, () => `path: ${this.relative(path)}\n`);
      this.add(resources, r, kust.file, ids);
    }
  }

  /**
   * A kustomization used as a resource: its kept build (options.reuse) when everything that
   * build asked the filesystem has the same answer, else built and kept. Builds that set or
   * see state beyond their directory (vars, a custom openapi schema) are not kept, nor
   * failed ones; a kept build whose use would meet a cycle or the depth limit is built again
   * (to fail as kustomize does).
   */
  private resourceTarget(path: string): Resource[] {
    const reuse = this.options.reuse;
    const recorder = this.recorder;
    if (!reuse || !recorder || this.openapi !== undefined) return this.target(path, 'resource');
    const key = `${path}\0${this.options.loadRestrictions ?? 'rootOnly'}\0${this.originRoot ?? ''}`;
    const kept = reuse.builds.get(key);
    if (
      kept &&
      this.visiting.length + kept.depth <= MAX_DEPTH &&
      !kept.visited.some((d) => this.visiting.includes(d)) &&
      recorder.sameAnswers(kept.queries)
    ) {
      for (const r of this.recording) {
        for (const d of kept.visited) r.visited.push(d);
        r.depth = Math.max(r.depth, this.visiting.length - r.base + kept.depth);
      }
      for (const n of kept.notes) this.notes.push(n);
      this.lastConfig = kept.config;
      // Shared, not copied: a build copies a snapshot before it changes it (thaw).
      return kept.resources.slice();
    }
    const recording = { visited: [] as string[], base: this.visiting.length, depth: 0 };
    const notes = this.notes.length;
    const vars = this.vars.size;
    const log = recorder.open();
    this.recording.push(recording);
    let built: Resource[];
    try {
      built = this.target(path, 'resource');
    } finally {
      recorder.close(log);
      this.recording.pop();
    }
    if (this.vars.size === vars && this.openapi === undefined) {
      reuse.builds.set(key, {
        queries: log,
        resources: (built = this.snapshots(built, kept)),
        config: this.lastConfig,
        notes: this.notes.slice(notes),
        visited: recording.visited,
        depth: recording.depth,
      });
      return built.slice();
    }
    reuse.builds.delete(key);
    return built;
  }

  /**
   * A build's resources as snapshots to keep: where one equals the resource at its position in
   * the build kept before, that one (so that the steps above see the same instance, unchanged).
   */
  private snapshots(built: readonly Resource[], before: KeptBuild | undefined): Resource[] {
    const check = this.options.reuse?.checkSnapshots ?? false;
    return built.map((r, i) => {
      const prev = before?.resources[i];
      return prev && sameResource(r, prev) ? prev : snapshot(r, check);
    });
  }

  /**
   * kusttarget's transform phase: the kustomization's patches and built-in transformers (in
   * kusttarget's order), then its transformer configs. With options.reuse, a kustomization
   * whose steps act on each resource alone — no replacements or transformer configs, no patch
   * that renames, re-kinds or deletes — runs them only on the resources that differ from its
   * last build's, when everything else is the same: its text and configuration, the patch
   * files, the number of resources and every id. An id-matched patch then has the one match
   * it had (the ids are those it matched among), each other step decides per resource, so
   * the others come out as they did: their kept outputs.
   */
  private steps(kust: Kustomization, role: 'top' | 'resource' | 'component', resources: Resource[]): void {
    const k = kust.k;
    if (!STEP_FIELDS.some((f) => k[f] !== undefined && k[f] !== null)) return;
    const reuse = this.options.reuse;
    const recorder = this.recorder;
    if (
      !reuse ||
      !recorder ||
      role === 'component' ||
      this.originRoot !== undefined ||
      this.openapi !== undefined ||
      strings(k['transformers']).length > 0 ||
      (Array.isArray(k['replacements']) && k['replacements'].length > 0)
    ) {
      thaw(resources);
      this.runSteps(kust, resources);
      return;
    }
    const check = reuse.checkSnapshots;
    // The text apart: compared as it is (mostly the same string instance), not copied into a key.
    const key = `${configKey(this.cfg)}\0${this.options.loadRestrictions ?? 'rootOnly'}`;
    const text = kust.text;
    const slot = `${kust.dir}\0${role}`;
    const inputs = resources.map((r) => snapshot(r, check));
    const kept = reuse.steps.get(slot);
    if (kept && kept.key === key && kept.text === text && kept.inputs.length === inputs.length) {
      const changed = this.changedInputs(inputs, kept.inputs);
      if (changed && recorder.sameAnswers(kept.queries)) {
        const subset = changed.map((i) => copyResource(inputs[i] as Resource));
        const plan = kept.patches;
        const scope = (part: Resource[]): PatchScope | undefined => plan && { plan, ids: idKeysOf(part) };
        if (
          this.runSubset(kust, subset, changed, kept.outputs, (part) =>
            this.runSteps(kust, part, { scope: scope(part) }),
          )
        ) {
          const outputs = kept.outputs.slice();
          changed.forEach((i, n) => (outputs[i] = snapshot(subset[n] as Resource, check)));
          reuse.steps.set(slot, { key, text, queries: kept.queries, inputs, outputs, patches: plan });
          resources.length = 0;
          for (const r of outputs) resources.push(r);
          return;
        }
      }
    }
    const log = recorder.open();
    this.nonLocal = false;
    thaw(resources);
    const plan: PatchPlanning = { patchesStrategicMerge: [], patches: [] };
    try {
      this.runSteps(kust, resources, { plan });
    } finally {
      recorder.close(log);
    }
    if (!this.nonLocal && resources.length === inputs.length)
      reuse.steps.set(slot, {
        key,
        text,
        queries: log,
        inputs,
        outputs: resources.map((r) => snapshot(r, check)),
        patches: plan,
      });
    else reuse.steps.delete(slot);
  }

  private runSteps(kust: Kustomization, resources: Resource[], patching: Patching = {}): void {
    this.transform(kust, resources, true, patching);
    for (const c of this.pluginConfigs(kust, 'transformers')) {
      this.runTransformerConfig(kust, c, resources);
      this.applied(kust, resources, str(c.config['kind']), c);
    }
  }

  /**
   * The positions where `inputs` differ from the kept inputs, or undefined when one differs
   * in its ids (then the steps' matches may differ, and all run again). Equal ones become
   * the kept instances.
   */
  private changedInputs(inputs: Resource[], keptInputs: readonly Resource[]): number[] | undefined {
    const changed: number[] = [];
    for (let i = 0; i < inputs.length; i++) {
      const a = inputs[i] as Resource;
      const b = keptInputs[i] as Resource;
      if (a === b) continue;
      if (!sameIdentity(a, b)) return undefined;
      if (sameResource(a, b)) inputs[i] = b;
      else changed.push(i);
    }
    return changed;
  }

  /**
   * Runs `run` on copies of the changed resources alone; true when that is what a run on
   * all of them gives them: nothing it did depended on more than each resource, none was
   * removed, each has the ids its kept output has, and no step failed (a failure is
   * reported by the run on all, as kustomize reports it).
   */
  private runSubset(
    kust: Kustomization,
    subset: Resource[],
    changed: readonly number[],
    keptOutputs: readonly Resource[],
    run: (part: Resource[]) => void,
  ): boolean {
    this.subset = true;
    this.nonLocal = false;
    try {
      run(subset);
    } catch (e) {
      if (e instanceof Failure) return false;
      throw e;
    } finally {
      this.subset = false;
    }
    return (
      !this.nonLocal &&
      subset.length === changed.length &&
      changed.every((i, n) => sameIdentity(subset[n] as Resource, keptOutputs[i] as Resource))
    );
  }

  /**
   * After the top kustomization's steps: content hashes on generated names, name-reference
   * fix-ups and vars. With options.reuse and no vars, as steps(): only the resources that
   * differ from the last build's are hashed and fixed up (among all), when every id is the
   * same before and after hashing (a fix-up depends on the referrer and on the ids, names,
   * prefixes and suffixes of all).
   */
  private finish(kust: Kustomization, resources: Resource[], cfg: TransformerConfig): void {
    let names: CandidateIndex | undefined;
    const all = (list: Resource[]): void => {
      this.addHashes(list);
      names = candidateIndex(list);
      const err = fixNameReferences(list, cfg.nameReference, undefined, names);
      if (err) fail(kust.file, err);
      this.guard(kust, () => resolveVars(this.vars, list, cfg.varReference));
    };
    const reuse = this.options.reuse;
    if (!reuse || this.vars.size > 0 || this.originRoot !== undefined) {
      thaw(resources);
      all(resources);
      return;
    }
    const check = reuse.checkSnapshots;
    const key = nameReferenceKey(cfg.nameReference);
    const slot = `${kust.dir}\0finish`;
    const inputs = resources.map((r) => snapshot(r, check));
    const kept = reuse.steps.get(slot);
    if (kept && kept.key === key && kept.inputs.length === inputs.length) {
      const changed = this.changedInputs(inputs, kept.inputs);
      if (changed) {
        const subset = changed.map((i) => copyResource(inputs[i] as Resource));
        const universe = kept.outputs.slice();
        const fixed = this.runSubset(kust, subset, changed, kept.outputs, (part) => {
          this.addHashes(part);
          // Only then are all ids known: the referrers are the changed ones, the candidates all.
          changed.forEach((i, n) => (universe[i] = part[n] as Resource));
          if (!changed.every((i, n) => sameIdentity(part[n] as Resource, kept.outputs[i] as Resource)))
            return;
          // The candidates' index of the kept outputs: every identity is the same (see CandidateIndex).
          names = kept.names ?? candidateIndex(kept.outputs);
          const err = fixNameReferences(universe, cfg.nameReference, part, names);
          if (err) fail(kust.file, err);
        });
        if (fixed) {
          const outputs = universe.map((r) => snapshot(r, check));
          reuse.steps.set(slot, { key, queries: [], inputs, outputs, names });
          resources.length = 0;
          for (const r of outputs) resources.push(r);
          return;
        }
      }
    }
    thaw(resources);
    all(resources);
    reuse.steps.set(slot, {
      key,
      queries: [],
      inputs,
      outputs: resources.map((r) => snapshot(r, check)),
      names,
    });
  }

  /** The output order (sortOptions, or the legacy order when asked); with options.reuse, kept while the ids are. */
  private sort(kust: Kustomization, resources: Resource[]): Resource[] {
    const reorder = this.options.reorder ?? 'none';
    const reuse = this.options.reuse;
    const key = `${JSON.stringify(kust.k['sortOptions'] ?? null)}\0${reorder}`;
    const kept = reuse?.orders.get(kust.dir);
    // A snapshot at the position it had has the id it had (snapshots never change).
    const idAt = (r: Resource, i: number): string => {
      if (r.snapshot && kept?.resources[i] === r) return kept.ids[i] as string;
      const id = curId(r);
      return `${id.group}\0${id.version}\0${id.kind}\0${id.namespace}\0${id.name}`;
    };
    const ids = reuse ? resources.map(idAt) : [];
    if (
      kept &&
      kept.key === key &&
      kept.ids.length === ids.length &&
      kept.ids.every((x, i) => x === ids[i])
    ) {
      reuse?.orders.set(kust.dir, { ...kept, resources: resources.slice() });
      return kept.order.map((i) => resources[i] as Resource);
    }
    const sorted = applySortOrder(resources, kust.k['sortOptions'], reorder);
    if (typeof sorted === 'string') fail(kust.file, sorted);
    if (reuse) {
      const at = new Map(resources.map((r, i) => [r, i]));
      reuse.orders.set(kust.dir, {
        key,
        ids,
        order: sorted.map((r) => at.get(r) as number),
        resources: resources.slice(),
      });
    }
    return sorted;
  }

  readResources(file: string, text: string): Resource[] {
    const parsed = this.parse(text);
    if (parsed.error) fail(file, parsed.error.message, parsed.error.line);
    const out: Resource[] = [];
    for (const doc of parsed.documents) {
      const v = doc.value;
      if (v === null) continue;
      if (!isValueMap(v)) fail(file, `missing Resource metadata`, doc.line);
      if (Object.keys(v).length === 0) continue;
      if (typeof v['kind'] === 'string' && v['kind'].endsWith('List') && Array.isArray(v['items'])) {
        for (const item of v['items'])
          if (isValueMap(item)) out.push(makeResource(item, { file, line: doc.line }));
        continue;
      }
      if (!v['kind']) fail(file, `missing kind in object`, doc.line);
      stringifyMetadataMaps(v);
      // Reading sets and then removes kyaml's internal annotations (SetAnnotations with an
      // empty map clears the field): an empty or null `annotations:` does not survive.
      const md = v['metadata'];
      if (isValueMap(md) && 'annotations' in md) {
        const a = md['annotations'];
        if (a === null || (isValueMap(a) && Object.keys(a).length === 0)) delete md['annotations'];
      }
      out.push(makeResource(v, { file, line: doc.line }));
    }
    return out;
  }

  /** `ids`: the idKeys of `resources`, when the caller keeps them (else they are compared one by one). */
  private add(resources: Resource[], r: Resource, file: string, ids?: Accumulated): void {
    const dup = (): never =>
      fail(file, `may not add resource with an already registered id: ${idString(curId(r))}`);
    if (!ids) {
      const id = curId(r);
      if (resources.some((o) => sameId(curId(o), id))) dup();
      resources.push(r);
      return;
    }
    const key = curIdKey(r);
    const keys = ids.keys;
    // While the keys follow a sequence without duplicates, none is one; off it, a set tells.
    if (ids.set === undefined && ids.known?.[keys.length] !== key) ids.set = new Set(keys);
    if (ids.set) {
      if (ids.set.has(key)) dup();
      ids.set.add(key);
    }
    keys.push(key);
    resources.push(r);
  }

  /** `keys`: the idKeys of `resources`, in order (kept so as generated ones are added). */
  private generators(kust: Kustomization, resources: Resource[], keys: string[]): void {
    const opts: GeneratorOptions = readOptions(kust.k['generatorOptions']);
    const ctx = { fs: this.fs, dir: kust.dir, checkPath: this.checkPath(kust.dir) };
    for (const [key, kind] of [
      ['configMapGenerator', 'ConfigMap'],
      ['secretGenerator', 'Secret'],
    ] as const) {
      const list = kust.k[key];
      if (!Array.isArray(list)) continue;
      list.forEach((args, i) => {
        if (!isValueMap(args)) return;
        const g = generate(kind, args, opts, ctx);
        if (typeof g === 'string') fail(kust.file, g);
        const line = kust.doc.lines.get(`/${key}/${i}`) ?? kust.doc.line;
        this.annotateOrigin(
          g.obj,
          () =>
            `configuredIn: ${this.relative(kust.file)}\nconfiguredBy:\n  apiVersion: builtin\n  kind: ${kind}Generator\n`,
        );
        this.addGenerated(resources, g, { file: kust.file, line }, kust.file, keys);
      });
    }
  }

  /** `keys`: the idKeys of `resources`, in order, when the caller keeps them (updated here). */
  private addGenerated(
    resources: Resource[],
    g: Generated,
    origin: SourceRef,
    file: string,
    keys?: string[],
  ): void {
    const r = makeResource(g.obj, origin);
    r.generated = g.info;
    const id = curId(r);
    // resWrangler.appendReplaceOrMerge: the resource that has (or had) the generated id.
    const key = idKey(id);
    const matches: number[] = [];
    for (let i = 0; i < resources.length; i++) {
      const o = resources[i] as Resource;
      if (
        (keys ? keys[i] === key : curIdKey(o) === key) ||
        (o.prevIds.length > 0 && o.prevIds.some((x) => sameId(x, id)))
      )
        matches.push(i);
    }
    if (matches.length > 1) fail(file, `found multiple objects that could accept merge of ${idString(id)}`);
    const at = matches[0];
    let old = at === undefined ? undefined : resources[at];
    if (at === undefined || !old) {
      if (g.info.behavior !== 'create')
        fail(file, `id ${JSON.stringify(idString(id))} does not exist; cannot merge or replace`);
      resources.push(r);
      keys?.push(key);
      return;
    }
    if (g.info.behavior === 'create') {
      fail(
        file,
        `id ${JSON.stringify(idString(id))} exists; can not use behavior: 'create', behavior must be merge or replace`,
      );
    }
    if (old.snapshot) {
      old = copyResource(old);
      resources[at] = old;
    }
    // CopyMergeMetaDataFieldsFrom: labels and annotations merge (the new win), name and
    // namespace stay the old ones, a hash suffix only if both asked for one.
    const omd = metadata(old.obj) ?? {};
    const nmd = metadata(g.obj) ?? {};
    for (const f of ['labels', 'annotations']) {
      const merged = { ...(isValueMap(omd[f]) ? omd[f] : {}), ...(isValueMap(nmd[f]) ? nmd[f] : {}) };
      if (Object.keys(merged).length > 0) nmd[f] = merged;
      else delete nmd[f];
    }
    if ('name' in omd) nmd['name'] = omd['name'] ?? null;
    else delete nmd['name'];
    if ('namespace' in omd) nmd['namespace'] = omd['namespace'] ?? null;
    else delete nmd['namespace'];
    const oldOrigin = omd['annotations'];
    if (g.info.behavior === 'merge' && isValueMap(oldOrigin) && typeof oldOrigin[ORIGIN] === 'string') {
      const a = nmd['annotations'];
      if (isValueMap(a)) a[ORIGIN] = oldOrigin[ORIGIN];
    }
    if (g.info.behavior === 'merge') {
      for (const field of ['data', 'binaryData']) {
        const merged = {
          ...(isValueMap(old.obj[field]) ? old.obj[field] : {}),
          ...(isValueMap(g.obj[field]) ? g.obj[field] : {}),
        };
        if (Object.keys(merged).length > 0) g.obj[field] = merged;
      }
    }
    old.obj = g.obj;
    old.generated = { behavior: 'create', hash: (old.generated?.hash ?? false) && g.info.hash };
    if (keys) keys[at] = curIdKey(old);
  }

  /**
   * `record`: note each configured built-in in buildMetadata annotations (not for plugin
   * configs). `patching`: the patch plan to fill in, or the one to skip patches by (see steps).
   */
  private transform(
    kust: Kustomization,
    resources: Resource[],
    record = true,
    patching: Patching = {},
  ): void {
    this.idIndex = undefined;
    const k = kust.k;
    const applied = (kind: string): void => {
      if (record) this.applied(kust, resources, kind);
    };
    const { plan, scope } = patching;
    // Whether entry `i` of a plan list can patch any of the resources in scope.
    const wanted = (list: readonly (readonly string[] | undefined)[] | undefined, i: number): boolean => {
      if (!scope || !list) return true;
      const keys = list[i];
      return keys === undefined || keys.some((key) => scope.ids.has(key));
    };
    // patchesStrategicMerge
    const psm = k['patchesStrategicMerge'];
    if (Array.isArray(psm)) {
      const known = scope && scope.plan.patchesStrategicMerge.length === psm.length;
      psm.forEach((p, i) => {
        if (typeof p !== 'string') {
          plan?.patchesStrategicMerge.push([]);
          return;
        }
        if (known && !wanted(scope.plan.patchesStrategicMerge, i)) return;
        // Shared parses: an SMP patch is copied where it is applied.
        const docs = this.patchDocs(kust, p, `/patchesStrategicMerge/${i}`, true);
        if (
          docs.every(
            (d) => d.doc.value === null || (isValueMap(d.doc.value) && Object.keys(d.doc.value).length === 0),
          )
        ) {
          fail(kust.file, `patch appears to be empty; files=[${p}], Patch=`);
        }
        const keys: string[] = [];
        for (const { doc, file } of docs) {
          if (!isValueMap(doc.value)) continue;
          keys.push(idKey(patchId(doc.value)));
          this.smpByPatchId(resources, doc, file, kust);
        }
        plan?.patchesStrategicMerge.push(keys);
      });
      if (psm.length > 0) applied('PatchStrategicMergeTransformer');
    }
    const patches = k['patches'];
    if (Array.isArray(patches)) {
      const known = scope && scope.plan.patches.length === patches.length;
      patches.forEach((entry, i) => {
        if (entry === null) {
          plan?.patches.push([]);
          return;
        }
        if (!isValueMap(entry)) {
          // kustomize v1's `patches: [file.yaml]`: v5 decodes each entry as a Patch object and refuses.
          const line = kust.doc.lines.get(`/patches/${i}`) ?? kust.doc.line;
          fail(
            kust.file,
            `error unmarshaling JSON: while decoding JSON: json: cannot unmarshal ${goJsonKind(entry)} into Go struct field Kustomization.patches of type types.Patch`,
            line,
          );
        }
        if (known && !wanted(scope.plan.patches, i)) return;
        const keys = this.patchEntry(kust, resources, entry, i);
        plan?.patches.push(keys);
        applied('PatchTransformer');
      });
    }
    if (typeof k['namespace'] === 'string' && k['namespace'] !== '') {
      setNamespace(resources, k['namespace'], this.line(kust, 'namespace'), this.cfg.namespace);
      applied('NamespaceTransformer');
    }
    const prefix = typeof k['namePrefix'] === 'string' ? k['namePrefix'] : '';
    const suffix = typeof k['nameSuffix'] === 'string' ? k['nameSuffix'] : '';
    if (prefix !== '') {
      addPrefixSuffix(resources, prefix, '', this.line(kust, 'namePrefix'), this.cfg.namePrefix);
      applied('PrefixTransformer');
    }
    if (suffix !== '') {
      addPrefixSuffix(resources, '', suffix, this.line(kust, 'nameSuffix'), this.cfg.nameSuffix);
      applied('SuffixTransformer');
    }
    const labels = k['labels'];
    if (Array.isArray(labels)) {
      labels.forEach((l, i) => {
        if (!isValueMap(l)) return;
        const entry: LabelEntry = {
          pairs: stringMap(l['pairs']),
          includeSelectors: l['includeSelectors'] === true,
          includeTemplates: l['includeTemplates'] === true,
          includeVolumeClaimTemplates: l['includeVolumeClaimTemplates'] === true,
          fields: Array.isArray(l['fields'])
            ? l['fields'].filter(isValueMap).map((f) => ({
                path: str(f['path']),
                kind: optStr(f['kind']),
                group: optStr(f['group']),
                version: optStr(f['version']),
                create: f['create'] === true,
              }))
            : [],
        };
        const err = addMapEntries(resources, entry.pairs, labelSpecs(entry, this.cfg), {
          file: kust.file,
          line: kust.doc.lines.get(`/labels/${i}`) ?? kust.doc.line,
        });
        if (err) fail(kust.file, err);
        applied('LabelTransformer');
      });
    }
    if (isValueMap(k['commonLabels']) || (Array.isArray(labels) && labels.length > 0)) {
      const err = addMapEntries(
        resources,
        stringMap(k['commonLabels']),
        this.cfg.commonLabels,
        this.line(kust, 'commonLabels'),
      );
      if (err) fail(kust.file, err);
      applied('LabelTransformer');
    }
    if (isValueMap(k['commonAnnotations'])) {
      const err = addMapEntries(
        resources,
        stringMap(k['commonAnnotations']),
        this.cfg.commonAnnotations,
        this.line(kust, 'commonAnnotations'),
      );
      if (err) fail(kust.file, err);
      applied('AnnotationsTransformer');
    }
    const j6902 = k['patchesJson6902'];
    if (Array.isArray(j6902)) {
      j6902.forEach((entry, i) => {
        if (!isValueMap(entry)) return;
        this.patchEntry(kust, resources, entry, i, 'patchesJson6902', true);
        applied('PatchJson6902Transformer');
      });
    }
    const replicas = k['replicas'];
    if (Array.isArray(replicas)) {
      const entries = replicaEntries(replicas);
      setReplicas(resources, entries, this.line(kust, 'replicas'), this.cfg.replicas);
      for (const _ of entries) applied('ReplicaCountTransformer');
    }
    const images = k['images'];
    if (Array.isArray(images)) {
      const entries = imageEntries(images);
      setImages(resources, entries, this.line(kust, 'images'), this.cfg.images);
      for (const _ of entries) applied('ImageTagTransformer');
    }
    const replacements = k['replacements'];
    if (Array.isArray(replacements)) {
      const list: ValueMap[] = [];
      replacements.forEach((entry, i) => {
        if (!isValueMap(entry)) return;
        if (typeof entry['path'] === 'string') {
          for (const { doc } of this.patchDocs(kust, entry['path'], `/replacements/${i}/path`)) {
            const v = doc.value;
            if (Array.isArray(v)) list.push(...v.filter(isValueMap));
            else if (isValueMap(v)) list.push(v);
          }
        } else list.push(entry);
      });
      try {
        applyReplacements(resources, list, this.line(kust, 'replacements'));
      } catch (e) {
        if (e instanceof ReplacementError) fail(kust.file, e.message);
        throw e;
      }
      applied('ReplacementTransformer');
    }
  }

  /**
   * multiTransformer's AddTransformerAnnotation: after a built-in ran, every resource records it,
   * as its origin if it has none, else as one more transformation.
   */
  private applied(
    kust: Kustomization,
    resources: readonly Resource[],
    kind: string,
    config?: PluginConfig,
  ): void {
    if (this.originRoot === undefined) return;
    const configuredIn = this.relative(config?.origin.file ?? kust.file);
    const by = config ? configuredByExtra(config.config) : '';
    for (const r of resources) {
      let md = metadata(r.obj);
      if (!md) {
        md = {};
        r.obj['metadata'] = md;
      }
      const a = isValueMap(md['annotations']) ? md['annotations'] : {};
      md['annotations'] = a;
      if (typeof a[ORIGIN] !== 'string') {
        a[ORIGIN] =
          `configuredIn: ${configuredIn}\nconfiguredBy:\n  apiVersion: builtin\n  kind: ${kind}\n${by.replace(/^(?=.)/gm, '  ')}`;
      } else {
        const prior = typeof a[TRANSFORMATIONS] === 'string' ? a[TRANSFORMATIONS] : '';
        a[TRANSFORMATIONS] =
          `${prior}- configuredIn: ${configuredIn}\n  configuredBy:\n    apiVersion: builtin\n    kind: ${kind}\n${by.replace(/^(?=.)/gm, '    ')}`;
      }
    }
  }

  /** The plugin configurations a `generators:`/`transformers:` list names: files, kustomizations, inline YAML. */
  private pluginConfigs(kust: Kustomization, field: 'generators' | 'transformers'): PluginConfig[] {
    const out: PluginConfig[] = [];
    strings(kust.k[field]).forEach((entry, i) => {
      if (entry.includes('\n')) {
        for (const { doc, file } of this.patchDocs(kust, entry, `/${field}/${i}`)) {
          if (isValueMap(doc.value))
            out.push({ config: doc.value, origin: { file, line: doc.line }, dir: kust.dir });
        }
        return;
      }
      const path = resolvePath(kust.dir, entry);
      if (this.fs.isDir(path)) {
        for (const r of this.target(path, 'resource'))
          out.push({ config: r.obj, origin: r.origin, dir: dirname(r.origin.file) });
        return;
      }
      const bad = this.checkPath(kust.dir)(path);
      if (bad) fail(kust.file, bad);
      const text = this.fs.readFile(path);
      if (text === undefined)
        fail(kust.file, `evalsymlink failure on '${path}' : lstat ${path}: no such file or directory`);
      for (const r of this.readResources(path, text))
        out.push({ config: r.obj, origin: r.origin, dir: kust.dir });
    });
    return out;
  }

  private runGeneratorConfig(kust: Kustomization, c: PluginConfig, resources: Resource[]): void {
    const kind = str(c.config['kind']);
    if (str(c.config['apiVersion']) === 'builtin' && kind === 'IAMPolicyGenerator') {
      this.add(resources, makeResource(this.iamPolicyServiceAccount(kust, c.config), c.origin), kust.file);
      return;
    }
    if (
      str(c.config['apiVersion']) !== 'builtin' ||
      (kind !== 'ConfigMapGenerator' && kind !== 'SecretGenerator')
    ) {
      fail(
        kust.file,
        `unable to load generator ${idString(curId(makeResource(c.config, c.origin)))}: only builtin ConfigMapGenerator and SecretGenerator configs are run`,
      );
    }
    const md = metadata(c.config) ?? {};
    // The generated object's name is the config's `name` (its metadata names the plugin).
    const args: ValueMap = {
      ...c.config,
      name: typeof c.config['name'] === 'string' ? c.config['name'] : (md['name'] ?? ''),
    };
    if (typeof c.config['namespace'] !== 'string' && md['namespace'] !== undefined)
      args['namespace'] = md['namespace'];
    const ctx = { fs: this.fs, dir: kust.dir, checkPath: this.checkPath(kust.dir) };
    const g = generate(kind === 'ConfigMapGenerator' ? 'ConfigMap' : 'Secret', args, {}, ctx);
    if (typeof g === 'string') fail(kust.file, g);
    this.annotateOrigin(
      g.obj,
      () =>
        `configuredIn: ${this.relative(c.origin.file)}\nconfiguredBy:\n  apiVersion: builtin\n  kind: ${kind}\n${configuredByExtra(c.config).replace(/^(?=.)/gm, '  ')}`,
    );
    this.addGenerated(resources, g, c.origin, kust.file);
  }

  /** IAMPolicyGenerator (api/filters/iampolicygenerator): a GKE workload-identity ServiceAccount. */
  private iamPolicyServiceAccount(kust: Kustomization, t: ValueMap): ValueMap {
    const cloud = str(t['cloud']);
    if (cloud !== 'gke') fail(kust.file, `cloud provider ${cloud} not supported yet`);
    const ks = isValueMap(t['kubernetesService']) ? t['kubernetesService'] : {};
    const sa = isValueMap(t['serviceAccount']) ? t['serviceAccount'] : {};
    const md: ValueMap = {
      annotations: {
        'iam.gke.io/gcp-service-account': `${str(sa['name'])}@${str(sa['projectId'])}.iam.gserviceaccount.com`,
      },
      name: str(ks['name']),
    };
    if (str(ks['namespace']) !== '') md['namespace'] = str(ks['namespace']);
    return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: md };
  }

  private runTransformerConfig(kust: Kustomization, c: PluginConfig, resources: Resource[]): void {
    const t = c.config;
    const kind = str(t['kind']);
    if (str(t['apiVersion']) !== 'builtin') {
      fail(
        kust.file,
        `unable to load transformer ${idString(curId(makeResource(t, c.origin)))}: only builtin transformer configs are run`,
      );
    }
    const specs = fieldSpecsOf(t['fieldSpecs']);
    const src = c.origin;
    switch (kind) {
      case 'PrefixSuffixTransformer':
      case 'PrefixTransformer':
      case 'SuffixTransformer':
        addPrefixSuffix(
          resources,
          str(t['prefix']),
          str(t['suffix']),
          src,
          specs.length > 0 ? specs : undefined,
        );
        return;
      case 'LabelTransformer':
        this.check(kust, addMapEntries(resources, stringMap(t['labels']), specs, src));
        return;
      case 'AnnotationsTransformer':
        this.check(kust, addMapEntries(resources, stringMap(t['annotations']), specs, src));
        return;
      case 'NamespaceTransformer': {
        const ns = namespaceOf(t);
        if (ns !== '') setNamespace(resources, ns, src, specs.length > 0 ? specs : this.cfg.namespace);
        return;
      }
      case 'PatchTransformer':
        this.patchEntry(kust, resources, t, 0);
        return;
      case 'PatchStrategicMergeTransformer':
        this.transform(
          {
            ...kust,
            k: {
              patchesStrategicMerge: [
                ...strings(t['paths']),
                ...(typeof t['patches'] === 'string' ? [t['patches']] : []),
              ],
            },
          },
          resources,
          false,
        );
        return;
      case 'PatchJson6902Transformer':
        this.patchEntry(
          kust,
          resources,
          {
            target: t['target'] ?? null,
            ...(typeof t['jsonOp'] === 'string' ? { patch: t['jsonOp'] } : { path: t['path'] ?? null }),
          },
          0,
          'transformers',
          true,
        );
        return;
      case 'ImageTagTransformer':
        this.transform({ ...kust, k: { images: [t['imageTag'] ?? {}] } }, resources, false);
        return;
      case 'ReplacementTransformer':
        this.transform(
          { ...kust, k: { replacements: Array.isArray(t['replacements']) ? t['replacements'] : [] } },
          resources,
          false,
        );
        return;
      case 'ReplicaCountTransformer':
        this.transform({ ...kust, k: { replicas: [t['replica'] ?? {}] } }, resources, false);
        return;
      default:
        fail(kust.file, `unable to load builtin ${kind}.builtin.[noGrp]`);
    }
  }

  /** Runs a step whose errors are VarError/ReplacementError and turns them into build errors. */
  private guard(kust: Kustomization, step: () => void): void {
    try {
      step();
    } catch (e) {
      if (e instanceof VarError || e instanceof ReplacementError) fail(kust.file, e.message);
      throw e;
    }
  }

  private check(kust: Kustomization, err: string | undefined): void {
    if (err) fail(kust.file, err);
  }

  /** The documents of an inline patch or a patch file; `shared`: the caller never mutates them (see parseShared). */
  private patchDocs(
    kust: Kustomization,
    p: string,
    pointer: string,
    shared = false,
  ): { doc: ParsedDocument; file: string }[] {
    const looksInline = p.includes('\n') || p.trimStart().startsWith('[') || p.trimStart().startsWith('{');
    const parse = (text: string): ParseResult => (shared ? this.parseShared(text) : this.parse(text));
    if (!looksInline) {
      const path = resolvePath(kust.dir, p);
      const bad = this.checkPath(kust.dir)(path);
      if (bad) fail(kust.file, bad);
      const text = this.fs.readFile(path);
      if (text === undefined)
        fail(kust.file, `evalsymlink failure on '${path}' : lstat ${path}: no such file or directory`);
      const parsed = parse(text);
      if (parsed.error) fail(path, parsed.error.message, parsed.error.line);
      return parsed.documents.map((doc) => ({ doc, file: path }));
    }
    const parsed = parse(p);
    if (parsed.error) fail(kust.file, parsed.error.message);
    const base = kust.doc.lines.get(pointer) ?? kust.doc.line;
    return parsed.documents.map((doc) => ({
      doc: { ...doc, lines: shiftLines(doc.lines, base) },
      file: kust.file,
    }));
  }

  /**
   * The resources that have or had `id`, in order. Looked up in an index of every id each
   * resource has or had, kept while patches leave ids alone (transform() drops it, as does
   * every patch that may rename, re-kind or delete); candidates are checked with sameId.
   */
  private withId(resources: Resource[], id: ResId): Resource[] {
    let index = this.idIndex;
    if (!index || index.list !== resources || index.length !== resources.length) {
      const byId = new Map<string, Resource[]>();
      for (const r of resources) {
        for (const key of new Set([...r.prevIds, curId(r)].map(idKey))) {
          const list = byId.get(key);
          if (list) list.push(r);
          else byId.set(key, [r]);
        }
      }
      index = this.idIndex = { list: resources, length: resources.length, byId };
    }
    return (index.byId.get(idKey(id)) ?? []).filter((r) =>
      [...r.prevIds, curId(r)].some((o) => sameId(o, id)),
    );
  }

  /** A patch without a target patches the one resource that has (or had) the patch's id. */
  private smpByPatchId(
    resources: Resource[],
    doc: ParsedDocument,
    file: string,
    kust: Kustomization,
    opts: PatchOptions = {},
  ): void {
    const patch = doc.value as ValueMap;
    const id = patchId(patch);
    const matches = this.withId(resources, id);
    // Steps on a subset (see steps): the target is among the resources left out.
    if (matches.length === 0 && this.subset) return;
    if (matches.length !== 1) {
      const what = matches.length > 1 ? 'multiple matches' : 'no matches';
      fail(
        kust.file,
        `${what} for Id ${idString(id)}; failed to find unique target for patch ${idString(id)}`,
      );
    }
    for (const r of matches) this.applySmp(resources, r, patch, doc, file, opts);
  }

  /** Resource.ApplySmPatch: merge, then keep the target's kind and name (unless allowed) and namespace. */
  private applySmp(
    resources: Resource[],
    r: Resource,
    patch: ValueMap,
    doc: ParsedDocument,
    file: string,
    opts: PatchOptions,
  ): void {
    const kind = r.obj['kind'] ?? null;
    const name = nameOf(r.obj);
    const namespace = metadata(r.obj)?.['namespace'];
    if (opts.allowNameChange || opts.allowKindChange) {
      this.nonLocal = true;
      storePreviousId(r);
      this.idIndex = undefined;
    }
    const p = clone(patch);
    p['apiVersion'] = r.obj['apiVersion'] ?? null;
    const schema = this.openapi;
    const g = gvkOf(r.obj);
    const merged = strategicMerge(r.obj, p, {
      listStrategy: schema ? (at, field) => schemaListStrategy(schema, g, at, field) : undefined,
      schema: hasSchema(r),
      patchLines: doc.lines,
      patchFile: file,
      fields: r.fields,
    });
    if (merged === undefined || Object.keys(merged).length === 0) {
      this.nonLocal = true;
      this.idIndex = undefined;
      resources.splice(resources.indexOf(r), 1);
      return;
    }
    if (!opts.allowKindChange) merged['kind'] = kind;
    let md = metadata(merged);
    if (!md) {
      md = {};
      merged['metadata'] = md;
    }
    if (!opts.allowNameChange) md['name'] = name;
    if (namespace === undefined) delete md['namespace'];
    else md['namespace'] = namespace;
    r.obj = merged;
  }

  /** Returns the idKeys of the resources the entry's patches name, undefined when it selects by target (see PatchPlan). */
  private patchEntry(
    kust: Kustomization,
    resources: Resource[],
    entry: ValueMap,
    i: number,
    key = 'patches',
    json6902 = false,
  ): string[] | undefined {
    const pointer = `/${key}/${i}`;
    let docs: { doc: ParsedDocument; file: string }[];
    // Shared parses: an SMP patch is copied where it is applied, JSON patch values where they are placed.
    if (typeof entry['patch'] === 'string')
      docs = this.patchDocs(
        kust,
        entry['patch'].includes('\n') ? entry['patch'] : `${entry['patch']}\n`,
        `${pointer}/patch`,
        true,
      );
    else if (typeof entry['path'] === 'string')
      docs = this.patchDocs(kust, entry['path'], `${pointer}/path`, true);
    else fail(kust.file, 'patch must have either path or patch');
    const target = isValueMap(entry['target']) ? entry['target'] : undefined;
    const o = entry['options'];
    const opts: PatchOptions = isValueMap(o)
      ? { allowNameChange: o['allowNameChange'] === true, allowKindChange: o['allowKindChange'] === true }
      : {};
    const first = docs[0];
    const isJson = json6902 || (first !== undefined && Array.isArray(first.doc.value));
    if (isJson) {
      if (!target) fail(kust.file, 'must specify a target for JSON patch');
      const ops = (first?.doc.value ?? []) as unknown as JsonPatchOp[];
      if (!Array.isArray(ops) || ops.some(touchesId)) this.nonLocal = true;
      this.idIndex = undefined;
      for (const r of selectTargets(resources, target)) {
        storePreviousId(r);
        const out = applyJsonPatch(r.obj, ops);
        if (typeof out === 'string') fail(first?.file ?? kust.file, out);
        r.obj = out;
        for (const [n, op] of ops.entries()) {
          if (op && typeof op.path === 'string')
            r.fields.set(pointerToPath(op.path), {
              file: first?.file ?? kust.file,
              line: first?.doc.lines.get(`/${n}`) ?? 1,
            });
        }
      }
      return undefined;
    }
    const keys: string[] = [];
    for (const { doc, file } of docs) {
      if (!isValueMap(doc.value)) continue;
      if (!target) {
        keys.push(idKey(patchId(doc.value)));
        this.smpByPatchId(resources, doc, file, kust, opts);
        continue;
      }
      const patch = doc.value;
      for (const r of selectTargets(resources, target)) this.applySmp(resources, r, patch, doc, file, opts);
    }
    return target ? undefined : keys;
  }

  private addHashes(resources: Resource[]): void {
    for (const r of resources) {
      if (!r.generated?.hash) continue;
      const md = metadata(r.obj);
      if (!md) continue;
      const h = contentHash(r.obj);
      storePreviousId(r);
      md['name'] = `${str(md['name'])}-${h}`;
    }
  }
}

/**
 * The id a patch without a target names. Patches are the parse cache's own documents (never
 * mutated, see parseShared), the same objects on every rebuild: their ids are kept.
 */
const patchId = memoized((patch: ValueMap): ResId => ({
  ...gvkOf(patch),
  name: nameOf(patch),
  namespace: namespaceOf(patch),
}));

/** The idKeys of a kustomization's accumulated resources, in order, and what tells a duplicate (see add). */
interface Accumulated {
  readonly keys: string[];
  /** A sequence of keys without duplicates (the last build's): while the keys follow it, no set is needed. */
  readonly known: readonly string[] | undefined;
  /** The keys as a set, from the first key off the known sequence on. */
  set: Set<string> | undefined;
}

/** A PatchPlan as a full run of the steps fills it in. */
interface PatchPlanning {
  readonly patchesStrategicMerge: (readonly string[] | undefined)[];
  readonly patches: (readonly string[] | undefined)[];
}

/** Steps on a few resources (see Builder.steps): the kept plan, and the idKeys of every id they have or had. */
interface PatchScope {
  readonly plan: PatchPlan;
  readonly ids: ReadonlySet<string>;
}

/** What transform does with patch plans: fill one in (a run on all resources) or go by one (a run on a few). */
interface Patching {
  readonly plan?: PatchPlanning;
  readonly scope?: PatchScope;
}

/**
 * The idKeys of every id the resources have or had. A patch matches by these (withId); in
 * a run on a few that is kept, the patches leave ids alone (one that does not is nonLocal).
 */
function idKeysOf(resources: readonly Resource[]): Set<string> {
  const out = new Set<string>();
  for (const r of resources) {
    out.add(curIdKey(r));
    for (const id of r.prevIds) out.add(idKey(id));
  }
  return out;
}

/**
 * A kustomization's `replicas` and `images` entries. Kustomizations are the parse cache's own
 * documents (never mutated, see Builder.target), the same objects on every rebuild: kept.
 */
const replicaEntries = memoized((replicas: Value[]): readonly ReplicaEntry[] =>
  replicas.filter(isValueMap).map((r) => ({ name: str(r['name']), count: Number(r['count'] ?? 0) })),
);

const imageEntries = memoized((images: Value[]): readonly ImageEntry[] =>
  images.filter(isValueMap).map((im) => ({
    name: str(im['name']),
    newName: optStr(im['newName']),
    newTag: im['newTag'] === undefined || im['newTag'] === null ? undefined : str(im['newTag']),
    digest: optStr(im['digest']),
    tagSuffix: optStr(im['tagSuffix']),
  })),
);

/** The kustomization fields of kusttarget's transform phase (see Builder.steps). */
const STEP_FIELDS = [
  'patchesStrategicMerge',
  'patches',
  'namespace',
  'namePrefix',
  'nameSuffix',
  'labels',
  'commonLabels',
  'commonAnnotations',
  'patchesJson6902',
  'replicas',
  'images',
  'replacements',
  'transformers',
] as const;

/** A JSON patch op that may change the apiVersion, kind, name or namespace (a resource's id). */
function touchesId(op: JsonPatchOp | null | undefined): boolean {
  if (!op || typeof op !== 'object') return true;
  const touches = (p: unknown): boolean => {
    if (typeof p !== 'string') return false;
    return (
      p === '' ||
      p === '/' ||
      p === '/metadata' ||
      /^\/(apiVersion|kind)(\/|$)/.test(p) ||
      /^\/metadata\/(name|namespace)(\/|$)/.test(p)
    );
  };
  const o = op as unknown as Record<string, unknown>;
  return touches(o['path']) || touches(o['from']);
}

/** Labels and annotations are string maps to kustomize: scalar values come out as strings. */
function stringifyMetadataMaps(obj: ValueMap): void {
  const md = metadata(obj);
  if (!md) return;
  for (const f of ['labels', 'annotations']) {
    const m = md[f];
    if (!isValueMap(m)) continue;
    for (const k of Object.keys(m)) {
      const v = m[k];
      if (typeof v === 'number' || typeof v === 'boolean') m[k] = String(v);
    }
  }
}

// The Kustomization fields; sigs.k8s.io/yaml decodes through encoding/json, which matches
// field names case-insensitively (an exact match first), so `nameprefix:` is namePrefix.
const KUSTOMIZATION_FIELDS = [
  'apiVersion',
  'kind',
  'metadata',
  'openapi',
  'namePrefix',
  'nameSuffix',
  'namespace',
  'commonLabels',
  'labels',
  'commonAnnotations',
  'patchesStrategicMerge',
  'patchesJson6902',
  'patches',
  'images',
  'imageTags',
  'replacements',
  'replicas',
  'vars',
  'sortOptions',
  'resources',
  'components',
  'crds',
  'bases',
  'configMapGenerator',
  'secretGenerator',
  'helmGlobals',
  'helmCharts',
  'helmChartInflationGenerator',
  'generatorOptions',
  'configurations',
  'generators',
  'transformers',
  'validators',
  'buildMetadata',
];

function canonicalKeys(k: ValueMap): ValueMap {
  const out: ValueMap = {};
  for (const key of Object.keys(k)) {
    if (KUSTOMIZATION_FIELDS.includes(key)) continue;
    const field = KUSTOMIZATION_FIELDS.find((f) => f.toLowerCase() === key.toLowerCase());
    out[field ?? key] = k[key] ?? null;
  }
  for (const key of Object.keys(k)) if (KUSTOMIZATION_FIELDS.includes(key)) out[key] = k[key] ?? null;
  // The deprecated `bases` are appended to resources (FixKustomization).
  const bases = out['bases'];
  if (Array.isArray(bases))
    out['resources'] = [...(Array.isArray(out['resources']) ? out['resources'] : []), ...bases];
  return out;
}

function hasSchema(r: Resource): boolean {
  const g = gvkOf(r.obj);
  return !g.group.includes('.') || g.group.endsWith('.k8s.io');
}

function shiftLines(lines: ReadonlyMap<string, number>, base: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, v] of lines) out.set(k, v + base);
  return out;
}

function pointerToPath(p: string): string {
  return p
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, s) => (/^\d+$/.test(s) ? `${acc}[${s}]` : acc === '' ? s : `${acc}.${s}`), '');
}

function strings(v: Value | undefined): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function optStr(v: Value | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function stringMap(v: Value | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (isValueMap(v)) for (const k of Object.keys(v)) out[k] = str(v[k]);
  return out;
}

function labelSelectorMatches(sel: string, labels: ValueMap): boolean {
  for (const part of sel
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')) {
    const ne = part.split('!=');
    if (ne.length === 2) {
      if (str(labels[ne[0]?.trim() ?? '']) === (ne[1]?.trim() ?? '')) return false;
      continue;
    }
    const eq = part.split(/==?/);
    if (eq.length === 2) {
      if (str(labels[eq[0]?.trim() ?? '']) !== (eq[1]?.trim() ?? '') || !((eq[0]?.trim() ?? '') in labels))
        return false;
      continue;
    }
    const key = part.startsWith('!') ? part.slice(1) : part;
    if (part.startsWith('!') === key in labels) return false;
  }
  return true;
}

function regexMatch(pattern: string, value: string): boolean {
  try {
    return new RegExp(`^(?:${pattern})$`).test(value);
  } catch {
    return pattern === value;
  }
}

/** kustomize's target selector: gvk, name and namespace (regexes), label and annotation selectors. */
export function selectTargets(resources: readonly Resource[], t: ValueMap): Resource[] {
  return resources.filter((r) => {
    const id = curId(r);
    if (
      !gvkSelected(id, { group: optStr(t['group']), version: optStr(t['version']), kind: optStr(t['kind']) })
    )
      return false;
    const name = optStr(t['name']);
    if (name && !regexMatch(name, id.name) && !r.prevIds.some((p) => regexMatch(name, p.name))) return false;
    const ns = optStr(t['namespace']);
    if (
      ns &&
      !regexMatch(ns, id.namespace === '' ? 'default' : id.namespace) &&
      !regexMatch(ns, id.namespace)
    )
      return false;
    const md = metadata(r.obj) ?? {};
    const ls = optStr(t['labelSelector']);
    if (ls && !labelSelectorMatches(ls, isValueMap(md['labels']) ? md['labels'] : {})) return false;
    const as = optStr(t['annotationSelector']);
    if (as && !labelSelectorMatches(as, isValueMap(md['annotations']) ? md['annotations'] : {})) return false;
    return true;
  });
}

export { basename, dirname };
