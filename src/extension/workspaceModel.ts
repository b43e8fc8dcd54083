import * as vscode from 'vscode';
import type { WorkspaceFile } from '../engine';
// Dependency-free: decodes as Kubernetes does (BOMs, UTF-16, invalid UTF-8 marked for the loader).
import { decodeManifestBytes, DEFAULT_LOAD_LIMITS } from '../engine/model';
import type { Diagnostic } from '../engine/model';
import type { AnalysisClient } from './analysisClient';
import type { FolderSummary } from './service/protocol';
import { applyDiagnostics, sendFiles } from './hostSync';
import type { HeldDiagnostics, SentFiles } from './hostSync';
import { PROFILE_FILE_NAME, isAnalysisInput } from './detect';
import { isIncluded, joinGlobs, matchesAny } from './glob';
import { isKustomization, kustomizationFilesIn } from './kustomizeFiles';
import { background, guard, guardAsync, log } from './log';
import { readSettings, type KubepathSettings } from './settings';

/** Files above this many are loaded behind a progress notification. */
const PROGRESS_THRESHOLD = 200;
const READ_CONCURRENCY = 16;
const DEBOUNCE_MS = 300;

/** The simulated cluster of one workspace folder and the text it was computed from. */
export class FolderCluster implements HeldDiagnostics {
  /** Workspace-relative path → text on disk. */
  readonly disk = new Map<string, string>();
  /** Workspace-relative path → why it was not read (not a regular file, too large, gone). */
  readonly unreadable = new Map<string, string>();
  /** Workspace-relative path → text of an open editor (possibly unsaved). */
  readonly editors = new Map<string, string>();
  /** What the host keeps of the folder's last analysis (the analysis itself is the worker's). */
  summary: FolderSummary | undefined;
  /** The last analysis' diagnostics, per file (summaries carry only the files that changed). */
  readonly diagnostics = new Map<string, Diagnostic[]>();
  /** The files whose diagnostics the last summary changed ('all': publish everything again). */
  changedDiagnostics: string[] | 'all' = 'all';
  /** The text each file had when `summary` was computed (fixes are only offered against it). */
  analysedText = new Map<string, string>();
  /** Bumped on every input change; an analysis result is kept only if it is still current. */
  generation = 0;
  /** The profile path actually used, relative to the folder ('' = built-in default). */
  profilePath = '';
  timer: ReturnType<typeof setTimeout> | undefined;
  /** What the analysis worker holds of this folder (path → text, or the unreadable reason). */
  readonly sent: SentFiles = new Map();
  /** The worker `sent` describes (a new worker holds nothing). */
  sentEpoch = 0;
  /** The analysis in progress in the worker, if any. */
  running: Promise<void> | undefined;
  /**
   * Files read because a kustomization names them (generator inputs, bases by directory):
   * `kubepath.include` need not match them.
   */
  readonly referenced = new Set<string>();
  /** Helm chart directories ('' = the folder) whose every file is read (Helm loads a chart whole). */
  readonly charts = new Set<string>();
  /** Named paths that are not files (directories looked into, missing names); cleared on create/delete. */
  readonly notFiles = new Set<string>();
  /** The kustomize deploy target chosen for this folder; undefined: the setting, else the first. */
  target: string | undefined;

  constructor(readonly folder: vscode.WorkspaceFolder) {}

  uriOf(relativePath: string): vscode.Uri {
    return vscode.Uri.joinPath(this.folder.uri, ...relativePath.split('/'));
  }

  textOf(relativePath: string): string | undefined {
    return this.editors.get(relativePath) ?? this.disk.get(relativePath);
  }
}

/**
 * Keeps one simulated cluster per workspace folder current: every matching file is read at
 * start, then kept up to date by a file watcher and by the text of open editors (unsaved
 * edits count). Re-analysis is debounced off the keystroke path.
 */
export class WorkspaceModel implements vscode.Disposable {
  private readonly folders = new Map<string, FolderCluster>();
  private readonly disposables: vscode.Disposable[] = [];
  private readonly changed = new vscode.EventEmitter<FolderCluster>();
  /** Fires after a folder's cluster state was recomputed. */
  readonly onDidChange = this.changed.event;
  private started: Promise<void> | undefined;
  /** Deploy targets chosen with the picker, per folder URI (kept across reloads). */
  private readonly chosenTargets = new Map<string, string>();

  constructor(private readonly client: AnalysisClient) {}

  /** Loads every folder once; later calls return the same promise. */
  start(): Promise<void> {
    this.started ??= this.startNow();
    return this.started;
  }

  all(): FolderCluster[] {
    return [...this.folders.values()];
  }

  forUri(uri: vscode.Uri): { cluster: FolderCluster; path: string } | undefined {
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    const cluster = folder && this.folders.get(folder.uri.toString());
    if (!cluster) return undefined;
    return { cluster, path: relativePath(folder, uri) };
  }

  /** Re-reads everything (the Refresh command, settings changes). */
  async reload(): Promise<void> {
    await this.start();
    for (const cluster of this.folders.values()) retire(cluster);
    this.folders.clear();
    await this.loadFolders(vscode.workspace.workspaceFolders ?? []);
  }

  /** Waits until no analysis is pending (used by commands that need a fresh result). */
  async settled(): Promise<void> {
    await this.start();
    for (const cluster of this.folders.values()) {
      while (cluster.timer !== undefined || cluster.running !== undefined) {
        if (cluster.timer !== undefined) {
          clearTimeout(cluster.timer);
          cluster.timer = undefined;
          this.runAnalysis(cluster);
        }
        await cluster.running;
      }
    }
  }

  dispose(): void {
    for (const cluster of this.folders.values()) retire(cluster);
    this.client.dispose();
    for (const d of this.disposables) d.dispose();
    this.changed.dispose();
  }

  private async startNow(): Promise<void> {
    // Every file: a kustomization may name any file (a generator's `.env` or `.properties`).
    const watcher = vscode.workspace.createFileSystemWatcher('**/*');
    this.disposables.push(
      watcher,
      watcher.onDidCreate((uri) => this.onDiskChange(uri, true)),
      watcher.onDidChange((uri) => this.onDiskChange(uri)),
      watcher.onDidDelete((uri) => this.onDiskDelete(uri)),
      vscode.workspace.onDidOpenTextDocument((doc) => this.onEditorText(doc)),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length > 0) this.onEditorText(e.document);
      }),
      vscode.workspace.onDidCloseTextDocument((doc) => this.onEditorClosed(doc)),
      vscode.workspace.onDidChangeWorkspaceFolders((e) => {
        for (const removed of e.removed) {
          const cluster = this.folders.get(removed.uri.toString());
          if (cluster) retire(cluster);
          this.folders.delete(removed.uri.toString());
          background('forget folder', this.client.request({ op: 'forget', folder: removed.uri.toString() }));
        }
        background('load added folders', this.loadFolders(e.added));
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('kubepath')) background('reload after settings change', this.reload());
      }),
    );
    await this.loadFolders(vscode.workspace.workspaceFolders ?? []);
  }

  private async loadFolders(folders: readonly vscode.WorkspaceFolder[]): Promise<void> {
    for (const folder of folders) {
      const cluster = new FolderCluster(folder);
      cluster.target = this.chosenTargets.get(folder.uri.toString());
      this.folders.set(folder.uri.toString(), cluster);
      await this.loadFolder(cluster);
      this.runAnalysis(cluster);
    }
  }

  private async loadFolder(cluster: FolderCluster): Promise<void> {
    const settings = readSettings(cluster.folder.uri);
    const started = Date.now();
    const uris = await findManifestFiles(cluster.folder, settings);
    const read = async (report: (done: number) => void): Promise<void> => {
      let next = 0;
      let done = 0;
      const worker = async (): Promise<void> => {
        while (next < uris.length) {
          const uri = uris[next++];
          if (!uri) continue;
          setRead(cluster, relativePath(cluster.folder, uri), await readWorkspaceFile(uri, settings));
          report(++done);
        }
      };
      await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, uris.length) }, worker));
    };
    if (uris.length > PROGRESS_THRESHOLD) {
      await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Kubepath: reading ${uris.length} files` },
        (progress) => {
          let last = 0;
          return read((done) => {
            const percent = Math.floor((done / uris.length) * 100);
            if (percent > last) {
              progress.report({ increment: percent - last });
              last = percent;
            }
          });
        },
      );
    } else {
      await read(() => undefined);
    }
    await this.readReferenced(cluster, settings);
    for (const doc of vscode.workspace.textDocuments) this.applyEditorText(cluster, doc, settings);
    log().info(`${cluster.folder.name}: read ${cluster.disk.size} files in ${Date.now() - started} ms`);
  }

  private applyEditorText(
    cluster: FolderCluster,
    doc: vscode.TextDocument,
    settings: KubepathSettings,
  ): boolean {
    if (vscode.workspace.getWorkspaceFolder(doc.uri)?.uri.toString() !== cluster.folder.uri.toString())
      return false;
    const path = relativePath(cluster.folder, doc.uri);
    if (!isRead(cluster, path, settings)) return false;
    const text = doc.getText();
    if (cluster.editors.get(path) === text) return false;
    cluster.editors.set(path, text);
    return true;
  }

  private onEditorText(doc: vscode.TextDocument): void {
    guard('editor change', undefined, () => {
      const found = this.forUri(doc.uri);
      if (!found) return;
      if (this.applyEditorText(found.cluster, doc, readSettings(found.cluster.folder.uri)))
        this.schedule(found.cluster);
    });
  }

  private onEditorClosed(doc: vscode.TextDocument): void {
    guard('editor close', undefined, () => {
      const found = this.forUri(doc.uri);
      if (found?.cluster.editors.delete(found.path)) this.schedule(found.cluster);
    });
  }

  private onDiskChange(uri: vscode.Uri, created = false): void {
    background(
      'file watcher',
      (async () => {
        const found = this.forUri(uri);
        if (!found) return;
        const settings = readSettings(found.cluster.folder.uri);
        const isProfile = found.path === profileRelativePath(settings);
        // A name a kustomization gave that was missing (or a directory without a kustomization
        // file) may now be there: the next analysis looks again.
        if (created && forgetNotFiles(found.cluster, found.path)) this.schedule(found.cluster);
        if (!isProfile && !isRead(found.cluster, found.path, settings)) return;
        const read = await readWorkspaceFile(uri, settings);
        if (
          'text' in read
            ? found.cluster.disk.get(found.path) === read.text
            : found.cluster.unreadable.get(found.path) === read.unreadable
        )
          return;
        setRead(found.cluster, found.path, read);
        this.schedule(found.cluster);
      })(),
    );
  }

  private onDiskDelete(uri: vscode.Uri): void {
    guard('file watcher delete', undefined, () => {
      const found = this.forUri(uri);
      if (!found) return;
      forgetNotFiles(found.cluster, found.path);
      found.cluster.referenced.delete(found.path);
      const deleted = found.cluster.disk.delete(found.path);
      if (found.cluster.unreadable.delete(found.path) || deleted) this.schedule(found.cluster);
    });
  }

  private schedule(cluster: FolderCluster): void {
    cluster.generation++;
    clearTimeout(cluster.timer);
    cluster.timer = setTimeout(() => {
      cluster.timer = undefined;
      this.runAnalysis(cluster);
    }, DEBOUNCE_MS);
  }

  /**
   * Analyses the folder's current input. Files are parsed in slices of about 25 ms with the
   * event loop free in between (a large workspace does not hold the extension host for
   * seconds); a newer edit cancels the run, and the next run reuses what it parsed.
   */
  private runAnalysis(cluster: FolderCluster): void {
    const run = guardAsync('analysis', undefined, () => this.analyzeFolder(cluster)).finally(() => {
      if (cluster.running === run) cluster.running = undefined;
    });
    cluster.running = run;
  }

  private async analyzeFolder(cluster: FolderCluster): Promise<void> {
    const generation = cluster.generation;
    const settings = readSettings(cluster.folder.uri);
    await this.readReferenced(cluster, settings);
    if (generation !== cluster.generation) return;
    const profilePath = profileRelativePath(settings);
    const profileText = cluster.textOf(profilePath);
    const profileUnreadable = profileText === undefined ? cluster.unreadable.get(profilePath) : undefined;
    const files: WorkspaceFile[] = [];
    const paths = new Set([...cluster.disk.keys(), ...cluster.editors.keys(), ...cluster.unreadable.keys()]);
    for (const path of [...paths].sort()) {
      if (path === profilePath) continue;
      const text = cluster.textOf(path);
      const unreadable = cluster.unreadable.get(path);
      if (text !== undefined) files.push({ path, text });
      else if (unreadable !== undefined) files.push({ path, text: '', unreadable });
    }
    const started = Date.now();
    // Only what changed since the worker last heard of this folder travels.
    const full = cluster.sentEpoch !== this.client.epoch || cluster.sent.size === 0;
    const folder = cluster.folder.uri.toString();
    cluster.sentEpoch = this.client.epoch;
    const sentCount = await sendFiles(this.client, folder, cluster.sent, files, full, (error) =>
      log().warn(`sending files to the analysis worker: ${String(error)}`),
    );
    if (full) {
      cluster.diagnostics.clear();
      cluster.changedDiagnostics = 'all';
    }
    const answer = this.client.request({
      op: 'analyze',
      folder,
      full: cluster.diagnostics.size === 0,
      limits: settings.limits,
      ...targetOf(cluster, settings),
      ...(Object.keys(settings.helm).length > 0 ? { helm: settings.helm } : {}),
      profile:
        profileText !== undefined
          ? { path: profilePath, text: profileText }
          : profileUnreadable !== undefined
            ? { path: profilePath, text: '', unreadable: profileUnreadable }
            : null,
    });
    let result: Awaited<typeof answer>;
    try {
      result = await answer;
    } catch (error) {
      // The worker stopped: the next run starts a new one and sends every file again.
      cluster.sent.clear();
      throw error;
    }
    if ('cancelled' in result) return;
    // The worker now counts these diagnostics as the host's: hold them even if this result
    // is not published (applied in slices, in the order the summaries came).
    const summary = result.summary;
    await applyDiagnostics(cluster, summary.diagnostics);
    // A newer edit arrived while this ran (its own run will publish), or the folder was
    // reloaded or removed meanwhile.
    if (generation !== cluster.generation) return;
    if (this.folders.get(cluster.folder.uri.toString()) !== cluster) return;
    cluster.summary = summary;
    cluster.analysedText = new Map(files.map((f) => [f.path, f.text]));
    if (profileText !== undefined) cluster.analysedText.set(profilePath, profileText);
    cluster.profilePath = profileText === undefined ? '' : profilePath;
    log().info(
      `${cluster.folder.name}: analysed ${files.length} files in ${Date.now() - started} ms: ` +
        `${summary.serviceCount} services, ${summary.podCount} pods, ${summary.counts.diagnostics} diagnostics ` +
        `(${Math.round(result.ms)} ms in the analysis worker; ${sentCount} files sent to it)`,
    );
    this.changed.fire(cluster);
  }

  /**
   * Reads what the folder's kustomizations name and the model does not hold yet: files
   * (whatever their name) and, for a name that is a directory, its kustomization file; then
   * what those name in turn. Excluded paths stay unread (the build then says what is missing).
   */
  private async readReferenced(cluster: FolderCluster, settings: KubepathSettings): Promise<void> {
    const known = (p: string): boolean => cluster.disk.has(p) || cluster.unreadable.has(p);
    const queue = [...new Set([...cluster.disk.keys(), ...cluster.editors.keys()])].filter(isKustomization);
    const visited = new Set(queue);
    const readOne = async (path: string): Promise<boolean> => {
      if (known(path)) return true;
      if (cluster.notFiles.has(path) || matchesAny(path, settings.exclude)) return false;
      let stat: vscode.FileStat;
      try {
        stat = await vscode.workspace.fs.stat(cluster.uriOf(path));
      } catch {
        cluster.notFiles.add(path);
        return false;
      }
      if ((stat.type & vscode.FileType.Directory) !== 0) {
        cluster.notFiles.add(path);
        for (const file of kustomizationFilesIn(path)) if (await readOne(file)) return true;
        return false;
      }
      setRead(cluster, path, await readWorkspaceFile(cluster.uriOf(path), settings));
      cluster.referenced.add(path);
      if (isKustomization(path) && !visited.has(path)) {
        visited.add(path);
        queue.push(path);
      }
      return true;
    };
    while (queue.length > 0) {
      const path = queue.pop() as string;
      const text = cluster.textOf(path);
      if (text === undefined) continue;
      for (const ref of await this.client.request({ op: 'references', path, text })) {
        if (known(ref)) continue;
        await readOne(ref);
      }
    }
    // A chart is loaded whole: `_helpers.tpl`, `files/…` for .Files.Get, packaged subcharts.
    const charts = [...cluster.disk.keys(), ...cluster.editors.keys()]
      .filter((p) => p === 'Chart.yaml' || p.endsWith('/Chart.yaml'))
      .map((p) => p.slice(0, Math.max(0, p.length - '/Chart.yaml'.length)));
    for (const dir of charts) {
      if (cluster.charts.has(dir)) continue;
      cluster.charts.add(dir);
      const excludeGlob = joinGlobs(settings.exclude);
      const found = await vscode.workspace.findFiles(
        new vscode.RelativePattern(cluster.folder, dir === '' ? '**' : `${dir}/**`),
        excludeGlob === undefined ? undefined : new vscode.RelativePattern(cluster.folder, excludeGlob),
      );
      for (const uri of found) {
        const path = relativePath(cluster.folder, uri);
        if (known(path)) continue;
        setRead(cluster, path, await readWorkspaceFile(uri, settings));
        cluster.referenced.add(path);
      }
    }
  }

  /** Sets the folder's deploy target (undefined: the setting, else the first) and re-analyses. */
  setTarget(cluster: FolderCluster, target: string | undefined): void {
    if (cluster.target === target) return;
    cluster.target = target;
    if (target === undefined) this.chosenTargets.delete(cluster.folder.uri.toString());
    else this.chosenTargets.set(cluster.folder.uri.toString(), target);
    this.schedule(cluster);
  }
}

/** The deploy target asked for: the folder's choice, else the `kubepath.deployTarget` setting. */
function targetOf(cluster: FolderCluster, settings: KubepathSettings): { target?: string } {
  const target = cluster.target ?? settings.deployTarget;
  return target !== undefined ? { target } : {};
}

/** Forgets that `path` and its directories were not files; true when any was recorded. */
function forgetNotFiles(cluster: FolderCluster, path: string): boolean {
  let forgot = false;
  for (let p = path; p !== ''; p = p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '')
    forgot = cluster.notFiles.delete(p) || forgot;
  return forgot;
}

/** Whether the model reads `path`: an included manifest, a kustomization, or a file one names. */
function isRead(cluster: FolderCluster, path: string, settings: KubepathSettings): boolean {
  if (cluster.referenced.has(path)) return true;
  if (matchesAny(path, settings.exclude)) return false;
  for (const dir of cluster.charts) if (dir === '' || path.startsWith(`${dir}/`)) return true;
  return (
    (isAnalysisInput(path) && isIncluded(path, settings.include, settings.exclude)) || isKustomization(path)
  );
}

type ReadResult = { text: string } | { unreadable: string };

/**
 * A file's text, or why it is not read: only regular files within the size limit are
 * read (a committed symlink to /dev/zero, or a FIFO, would never finish reading and
 * hold the folder's first analysis forever).
 */
async function readWorkspaceFile(uri: vscode.Uri, settings: KubepathSettings): Promise<ReadResult> {
  const maxBytes = settings.limits.maxFileBytes ?? DEFAULT_LOAD_LIMITS.maxFileBytes;
  try {
    const stat = await vscode.workspace.fs.stat(uri);
    if ((stat.type & vscode.FileType.File) === 0) return { unreadable: 'not a regular file' };
    if (stat.size > maxBytes) {
      return {
        unreadable: `${stat.size} bytes is more than the ${maxBytes}-byte limit (setting kubepath.maxFileBytes)`,
      };
    }
    const bytes = await vscode.workspace.fs.readFile(uri);
    // A packaged chart goes to the engine as its bytes, one character per byte (isBinaryPath).
    if (/\.tgz$/i.test(uri.path)) return { text: binaryString(bytes) };
    return { text: decodeManifestBytes(bytes) };
  } catch (error) {
    log().warn(`cannot read ${uri.toString()}: ${String(error)}`);
    return { unreadable: error instanceof vscode.FileSystemError ? error.code : String(error) };
  }
}

function binaryString(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 8192)
    out += String.fromCharCode(...bytes.subarray(i, Math.min(bytes.length, i + 8192)));
  return out;
}

function setRead(cluster: FolderCluster, path: string, read: ReadResult): void {
  if ('text' in read) {
    cluster.disk.set(path, read.text);
    cluster.unreadable.delete(path);
  } else {
    cluster.disk.delete(path);
    cluster.unreadable.set(path, read.unreadable);
  }
}

/** A cluster that is no longer the folder's: no pending run, and a run in flight gives up. */
function retire(cluster: FolderCluster): void {
  clearTimeout(cluster.timer);
  cluster.timer = undefined;
  cluster.generation++;
}

/** The folder-relative path of the profile the folder analyses (the setting, else the root `kubepath.cluster.yaml`). */
export function profileRelativePath(settings: KubepathSettings): string {
  return settings.clusterProfile.replace(/^\.\//, '') || PROFILE_FILE_NAME;
}

export function relativePath(folder: vscode.WorkspaceFolder, uri: vscode.Uri): string {
  const base = folder.uri.path.endsWith('/') ? folder.uri.path : `${folder.uri.path}/`;
  return uri.path.startsWith(base) ? uri.path.slice(base.length) : uri.path;
}

async function findManifestFiles(
  folder: vscode.WorkspaceFolder,
  settings: KubepathSettings,
): Promise<vscode.Uri[]> {
  const excludeGlob = joinGlobs(settings.exclude);
  const seen = new Map<string, vscode.Uri>();
  for (const include of settings.include) {
    const found = await vscode.workspace.findFiles(
      new vscode.RelativePattern(folder, include),
      excludeGlob === undefined ? undefined : new vscode.RelativePattern(folder, excludeGlob),
    );
    for (const uri of found) seen.set(uri.toString(), uri);
  }
  // kustomize's third file name, which no manifest glob matches.
  const excludePattern =
    excludeGlob === undefined ? undefined : new vscode.RelativePattern(folder, excludeGlob);
  for (const uri of await vscode.workspace.findFiles(
    new vscode.RelativePattern(folder, '**/Kustomization'),
    excludePattern,
  ))
    seen.set(uri.toString(), uri);
  const profile = vscode.Uri.joinPath(folder.uri, ...profileRelativePath(settings).split('/'));
  try {
    await vscode.workspace.fs.stat(profile);
    seen.set(profile.toString(), profile);
  } catch {
    // No profile: the engine's built-in default cluster is used.
  }
  return [...seen.values()].filter((uri) => {
    const path = relativePath(folder, uri);
    return (
      uri.toString() === profile.toString() ||
      isIncluded(path, settings.include, settings.exclude) ||
      (isKustomization(path) && !matchesAny(path, settings.exclude))
    );
  });
}
