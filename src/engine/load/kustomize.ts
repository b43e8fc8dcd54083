// Kustomize overlays: the files a kustomization lists as patches are partial objects
// (`spec: {replicas: 5}`) that `kustomize build` merges into a base. Analysed on their
// own they would be reported as invalid and would override the base. kubepath analyses
// the plain resources and skips the patches with an info diagnostic; the
// `kustomization.yaml` itself is configuration and yields nothing.
import type { Diagnostic, LoadedFile } from '../model';
import { fileStartRange } from '../model';
import { isPlainObject } from '../model';
import { memoized } from '../util/memo';

const KUSTOMIZE_KINDS = new Set(['Kustomization', 'Component']);

/** Why a file is no manifest of its own: a kustomization lists it as a patch, or a Component as a resource. */
export interface KustomizeListing {
  /** The kustomization (or Component) file that lists it. */
  readonly by: string;
  readonly as: 'patch' | 'config' | 'component-resource';
}

/**
 * Patch files, transformer/generator configs, and the resource files of Components, by path (paths '/'-separated, as
 * given). Both enter a deployment only through a build: a patch is a partial object, and a
 * Component's resources deploy only with the kustomizations that list the Component.
 */
export function kustomizePatchFiles(files: readonly LoadedFile[]): Map<string, KustomizeListing> {
  const patches = new Map<string, KustomizeListing>();
  for (const file of files)
    for (const [path, listing] of listingsOf(file)) if (!patches.has(path)) patches.set(path, listing);
  return patches;
}

/** What one file lists (a loaded file never changes: kept with it, so an edit reads only the edited file again). */
const listingsOf = memoized((file: LoadedFile): readonly (readonly [string, KustomizeListing])[] => {
  const out: [string, KustomizeListing][] = [];
  const listings = file.objects
    .filter((o) => KUSTOMIZE_KINDS.has(o.kind) && o.apiVersion.startsWith('kustomize.config.k8s.io/'))
    .map((o) => ({ raw: o.raw, component: o.kind === 'Component' }));
  // A kustomization file without apiVersion and kind is a Kustomization.
  if (listings.length === 0 && file.kustomization)
    listings.push({ raw: file.kustomization, component: false });
  const dir = file.file.includes('/') ? file.file.slice(0, file.file.lastIndexOf('/')) : '';
  for (const { raw, component } of listings) {
    const add = (relative: string, as: KustomizeListing['as']): void => {
      out.push([joinPath(dir, relative), { by: file.file, as }]);
    };
    for (const relative of patchPaths(raw)) add(relative, 'patch');
    for (const relative of configPaths(raw)) add(relative, 'config');
    if (component) for (const relative of resourceFilePaths(raw)) add(relative, 'component-resource');
  }
  return out;
});

export function kustomizePatchSkipped(file: string, listing: KustomizeListing): Diagnostic {
  return {
    range: fileStartRange(file),
    severity: 'info',
    code: 'kustomize-patch-skipped',
    message:
      listing.as === 'patch'
        ? `skipped: a kustomize patch listed in ${listing.by}, whose build did not read it (see the build's error there, or no analysed kustomization uses it); a patch is not a manifest of its own`
        : listing.as === 'config'
          ? `skipped: a transformer, generator or replacement config listed in ${listing.by}, whose build did not read it (see the build's error there, or no analysed kustomization uses it); it configures kustomize and is not a manifest of its own`
          : `skipped: a resource of the kustomize Component ${listing.by}, which no analysed kustomization lists under components; a Component's resources deploy only with the kustomizations that use it`,
  };
}

/** A Component's `resources` entries that name files (directories are kustomizations of their own). */
function resourceFilePaths(raw: Record<string, unknown>): string[] {
  const list = raw['resources'];
  if (!Array.isArray(list)) return [];
  return list
    .filter((e): e is string => typeof e === 'string')
    .map((e) => e.trim())
    .filter((e) => /\.(ya?ml|json)$/i.test(e) && !/^[a-z][a-z0-9+.-]*:\/\//i.test(e));
}

/** Transformer, generator and validator configs, replacement and field-spec files: inputs of the build. */
function configPaths(raw: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const key of ['transformers', 'generators', 'validators', 'configurations', 'crds']) {
    const list = raw[key];
    if (!Array.isArray(list)) continue;
    for (const entry of list) {
      if (typeof entry !== 'string' || entry.includes('\n')) continue;
      if (/\.(ya?ml|json)$/i.test(entry.trim())) out.push(entry.trim());
    }
  }
  const replacements = raw['replacements'];
  if (Array.isArray(replacements))
    for (const r of replacements) if (isPlainObject(r) && typeof r['path'] === 'string') out.push(r['path']);
  return out.filter((p) => p !== '' && !/^[a-z][a-z0-9+.-]*:\/\//i.test(p));
}

function patchPaths(raw: Record<string, unknown>): string[] {
  const out: string[] = [];
  const fromEntries = (value: unknown): void => {
    if (!Array.isArray(value)) return;
    for (const entry of value) {
      if (isPlainObject(entry) && typeof entry['path'] === 'string') out.push(entry['path']);
    }
  };
  fromEntries(raw['patches']);
  // kustomize v1's `patches: [file.yaml]` (v5 refuses it, but the file is still a patch).
  if (Array.isArray(raw['patches']))
    for (const entry of raw['patches'])
      if (typeof entry === 'string' && !entry.includes('\n')) out.push(entry.trim());

  fromEntries(raw['patchesJson6902']);
  const strategic = raw['patchesStrategicMerge'];
  if (Array.isArray(strategic)) {
    // Entries are file paths or inline YAML patches.
    for (const entry of strategic)
      if (typeof entry === 'string' && !entry.includes('\n')) out.push(entry.trim());
  }
  return out.filter((p) => p !== '' && !/^[a-z][a-z0-9+.-]*:\/\//i.test(p));
}

/** `dir` + `relative`, resolving `.` and `..` ('/'-separated; no Node path module in the engine). */
export function joinPath(dir: string, relative: string): string {
  const absolute = relative.startsWith('/');
  const parts = absolute ? [] : dir.split('/').filter((p) => p !== '' && p !== '.');
  const leadingUp: string[] = [];
  for (const part of relative.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length > 0 && parts[parts.length - 1] !== '..') parts.pop();
      else leadingUp.push('..');
    } else parts.push(part);
  }
  const joined = [...leadingUp, ...parts].join('/');
  const keepRoot = absolute || dir.startsWith('/');
  return keepRoot ? `/${joined}` : joined;
}
