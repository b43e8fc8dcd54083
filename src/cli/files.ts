// Reading the user's paths: files and folders, recursively, *.yaml|*.yml|*.json.
import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { Analysis, DeployTarget, HelmTargetOptions, WorkspaceFile } from '../engine';
import {
  analyzeWorkspace,
  DEFAULT_LOAD_LIMITS,
  fileRole,
  isBinaryPath,
  isKustomizationPath,
  KUSTOMIZATION_FILES,
  kustomizationReferences,
  loadClusterProfile,
  PROFILE_FILE_NAME,
  PROFILE_SHAPE_HINT,
} from '../engine';
import type { ParsedArgs } from './args';
import { listFlag, stringFlag } from './args';
import { readRegularFile } from './readFile';
import { UsageError } from './io';

const SKIP_DIRS = new Set(['node_modules', '.git', 'dist', 'out', '.vscode-test']);

export interface CollectedInput {
  files: WorkspaceFile[];
  profile: WorkspaceFile | null;
  /** The one path given, when it is a kustomization or chart directory (it is then the deploy target). */
  kustomizationDirs: string[];
}

function display(cwd: string, absolute: string): string {
  const rel = relative(cwd, absolute);
  return (rel.startsWith('..') ? absolute : rel).split(sep).join('/');
}

export function collectFiles(paths: string[], cwd: string, clusterPath: string | undefined): CollectedInput {
  if (paths.length === 0) throw new UsageError('no input paths given');
  const files: WorkspaceFile[] = [];
  let foundProfile: string | null = null;
  // Real paths already walked or read: a symlink loop (`a -> .`) is walked once, and a
  // file reachable by two paths is read (and reported) once, under the first.
  const seen = new Set<string>();
  const firstVisit = (absolute: string): boolean => {
    let real: string;
    try {
      real = realpathSync(absolute);
    } catch {
      real = absolute;
    }
    if (seen.has(real)) return false;
    seen.add(real);
    return true;
  };
  // `referenced`: named by a kustomization (a base, patch or generator input), read whatever its name.
  // `inChart`: below a Chart.yaml, where Helm loads every file (templates/_helpers.tpl, files
  // for .Files.Get, values.schema.json); `referenced` covers them too.
  const visit = (absolute: string, explicit: boolean, referenced = false): void => {
    let stat;
    try {
      stat = statSync(absolute);
    } catch (err) {
      if (!explicit) return; // dangling symlink, or deleted since the directory was listed
      const code = (err as NodeJS.ErrnoException).code;
      throw new UsageError(
        `cannot read ${display(cwd, absolute)}: ${code === 'ELOOP' ? 'too many levels of symbolic links' : 'no such file or directory'}`,
      );
    }
    if (stat.isDirectory()) {
      if (!firstVisit(absolute)) return;
      let entries: string[];
      try {
        entries = readdirSync(absolute).sort();
      } catch (err) {
        throw new UsageError(`cannot read directory ${display(cwd, absolute)}: ${(err as Error).message}`);
      }
      const chart = referenced || entries.includes('Chart.yaml');
      for (const entry of entries) {
        if (SKIP_DIRS.has(entry)) continue;
        const child = join(absolute, entry);
        let isDir = false;
        try {
          isDir = statSync(child).isDirectory();
        } catch {
          continue; // dangling symlink
        }
        if (isDir || chart || fileRole(entry) !== 'other' || isKustomizationPath(entry))
          visit(child, false, chart);
      }
      return;
    }
    if (fileRole(absolute) === 'other' && !isKustomizationPath(absolute) && !referenced) {
      if (!explicit) return;
      // The engine analyses manifests by their names; a named file it would drop is bad usage.
      throw new UsageError(`cannot read ${display(cwd, absolute)}: not a *.yaml, *.yml or *.json file`);
    }
    if (fileRole(absolute) === 'profile') {
      foundProfile ??= absolute;
      return;
    }
    if (!firstVisit(absolute)) return;
    const path = display(cwd, absolute);
    const read = readRegularFile(
      absolute,
      DEFAULT_LOAD_LIMITS.maxFileBytes,
      isBinaryPath(path) ? 'binary' : 'manifest',
    );
    if (read.ok) files.push({ path, text: read.text });
    // Naming a device or FIFO is bad usage; any file a walk found, or one that cannot be
    // read, is a finding on that file and the others are analysed (exit 1).
    else if (explicit && read.special) throw new UsageError(`cannot read ${path}: ${read.reason}`);
    else files.push({ path, text: '', unreadable: read.reason });
  };
  // A directory a kustomization names is a kustomization: the build reads its kustomization
  // file (then what that names), not the rest of the directory.
  const visitReference = (absolute: string): void => {
    let isDir = false;
    try {
      isDir = statSync(absolute).isDirectory();
    } catch {
      return; // missing: the build reports it
    }
    if (!isDir) return visit(absolute, false, true);
    const name = KUSTOMIZATION_FILES.find((n) => existsSync(join(absolute, n)));
    if (name !== undefined) visit(join(absolute, name), false, true);
  };
  for (const p of paths) visit(resolve(cwd, p), true);
  // A kustomization's build reads what it names, inside the given paths or not (`../../base`).
  for (let i = 0; i < files.length; i++) {
    const file = files[i] as WorkspaceFile;
    if (!isKustomizationPath(file.path) || file.unreadable !== undefined) continue;
    const dir = dirname(resolve(cwd, file.path));
    for (const ref of kustomizationReferences(file.text)) visitReference(resolve(dir, ref));
  }
  const profilePath =
    clusterPath !== undefined ? resolve(cwd, clusterPath) : (foundProfile ?? findProfileUpwards(paths, cwd));
  let profile: WorkspaceFile | null = null;
  if (profilePath) {
    const read = readRegularFile(profilePath, DEFAULT_LOAD_LIMITS.maxFileBytes);
    if (!read.ok)
      throw new UsageError(`cannot read cluster profile ${display(cwd, profilePath)}: ${read.reason}`);
    profile = { path: display(cwd, profilePath), text: read.text };
  }
  if (profile) checkProfile(profile);
  if (files.length === 0 && profile === null) {
    throw new UsageError(`no *.yaml, *.yml or *.json files found in ${paths.join(', ')}`);
  }
  const kustomizationDirs =
    paths.length === 1
      ? paths.filter((p) =>
          [...KUSTOMIZATION_FILES, 'Chart.yaml'].some((n) => existsSync(join(resolve(cwd, p), n))),
        )
      : [];
  return { files, profile, kustomizationDirs };
}

/**
 * The analysis of what was collected, for the deploy target `--target` names (a directory,
 * relative to the working directory). A name that is not a deploy target is bad usage. With
 * `announce`, a line on stderr says which targets were analysed when some were not.
 */
export function analyzeCollected(
  input: CollectedInput,
  args: ParsedArgs,
  cwd: string,
  announce?: (line: string) => void,
): Analysis {
  const targetArg = stringFlag(args, 'target');
  // Without --target, a kustomization or chart directory named on the command line is the one to analyse.
  const named = targetArg ?? input.kustomizationDirs[0];
  const target = named === undefined ? undefined : display(cwd, resolve(cwd, named));
  const root = cwd.split(sep).join('/');
  const helm = helmOptions(input, args, cwd);
  const analysis = analyzeWorkspace({
    ...input,
    root,
    ...(target === undefined ? {} : { target }),
    ...(helm ? { helm } : {}),
  });
  const { all, analysed } = analysis.deployTargets;
  const name = (t: DeployTarget): string => t.dir || '.';
  if (targetArg !== undefined && target !== undefined && !all.some((t) => t.dir === target)) {
    throw new UsageError(
      all.length === 0
        ? `--target ${targetArg}: the paths hold no kustomization or chart to render`
        : `--target ${targetArg}: not a deploy target; the deploy targets are ${all.map(name).join(', ')}`,
    );
  }
  if (announce && analysed.length < all.length) {
    const left = all.filter((t) => !analysed.includes(t));
    announce(
      `kubepath: analysing deploy target ${analysed.map(name).join(', ')}; not analysed: ${left.map(name).join(', ')} (each is its own deployment; choose with --target DIR)\n`,
    );
  }
  return analysis;
}

/** Largest iptables-save dump read (--iptables-save, --diff): a big cluster's is tens of MB. */
const MAX_DUMP_BYTES = 256 * 1024 * 1024;

/** The text of a file a flag names (a dump), or a one-line usage error saying why not. */
export function readFlagFile(file: string, cwd: string): string {
  const read = readRegularFile(resolve(cwd, file), MAX_DUMP_BYTES, 'text');
  if (!read.ok) throw new UsageError(`cannot read ${file}: ${read.reason}`);
  return read.text;
}

/** A profile in the working directory applies to every command run there. */
function findProfileUpwards(_paths: string[], cwd: string): string | null {
  const candidate = join(cwd, PROFILE_FILE_NAME);
  return existsSync(candidate) ? candidate : null;
}

/**
 * A profile the CLI cannot trust is bad input, not a finding: one line with the first
 * error's file:line:column and the shape expected, exit code 2. (The extension instead
 * shows the errors as diagnostics and falls back to defaults.)
 */
function checkProfile(profile: WorkspaceFile): void {
  const errors = loadClusterProfile(profile.path, profile.text).diagnostics.filter(
    (d) => d.severity === 'error',
  );
  const [first] = errors;
  if (!first) return;
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
  const hint =
    first.code !== 'profile-invalid' || first.message.includes(PROFILE_SHAPE_HINT)
      ? ''
      : `; ${PROFILE_SHAPE_HINT}`;
  throw new UsageError(
    `invalid cluster profile ${first.range.file}:${first.range.line}:${first.range.column}: ${first.message}${more}${hint}`,
  );
}

/**
 * The Helm flags given (see HELM_OPTIONS), undefined when none is. Values files are read
 * like any input file (a missing one is bad usage, as helm says of it) and named by their
 * workspace path.
 */
function helmOptions(input: CollectedInput, args: ParsedArgs, cwd: string): HelmTargetOptions | undefined {
  const valuesFiles: string[] = [];
  for (const v of listFlag(args, 'values')) {
    const absolute = resolve(cwd, v);
    const path = display(cwd, absolute);
    if (!input.files.some((f) => f.path === path && f.unreadable === undefined)) {
      const read = readRegularFile(absolute, DEFAULT_LOAD_LIMITS.maxFileBytes);
      if (!read.ok) throw new UsageError(`--values ${v}: ${read.reason}`);
      input.files.push({ path, text: read.text });
    }
    valuesFiles.push(path);
  }
  const options: HelmTargetOptions = {
    ...(valuesFiles.length > 0 ? { valuesFiles } : {}),
    ...list('set', listFlag(args, 'set')),
    ...list('setString', listFlag(args, 'set-string')),
    ...list('setJson', listFlag(args, 'set-json')),
    ...list('apiVersions', listFlag(args, 'api-versions')),
    ...one('releaseName', stringFlag(args, 'release')),
    ...one('namespace', stringFlag(args, 'namespace')),
    ...one('kubeVersion', stringFlag(args, 'kube-version')),
  };
  return Object.keys(options).length > 0 ? options : undefined;
}

function list<K extends string>(key: K, values: string[]): Partial<Record<K, string[]>> {
  return values.length > 0 ? ({ [key]: values } as Record<K, string[]>) : {};
}

function one<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value !== undefined ? ({ [key]: value } as Record<K, string>) : {};
}
