// The host's half of keeping the analysis worker in step with a folder, kept cheap for the
// host's thread: only the files whose text (or unreadable reason) changed travel, a large
// change goes in pieces with the event loop free in between, and summaries carry only the
// diagnostics that changed. No vscode (the model and the bench use it).
import type { WorkspaceFile } from '../engine';
import type { Diagnostic } from '../engine/model';
import type { AnalysisClient } from './analysisClient';
import type { FolderSummary } from './service/protocol';
import { parseDiagnosticPiece } from './service/protocol';

/** What the worker holds of a folder: path → text (an unreadable file: UNREADABLE + why). */
export type SentFiles = Map<string, string>;

const UNREADABLE = '\u0000kubepath unreadable: ';

/** The change from `sent` to `files`; updates `sent` to `files`. */
export function fileDelta(
  sent: SentFiles,
  files: readonly WorkspaceFile[],
): { set: WorkspaceFile[]; delete: string[] } {
  const set: WorkspaceFile[] = [];
  const wanted = new Set<string>();
  for (const f of files) {
    wanted.add(f.path);
    const now = f.unreadable !== undefined ? UNREADABLE + f.unreadable : f.text;
    if (sent.get(f.path) === now) continue;
    set.push(f);
    sent.set(f.path, now);
  }
  const deleted: string[] = [];
  if (sent.size > wanted.size) {
    for (const p of sent.keys()) if (!wanted.has(p)) deleted.push(p);
    for (const p of deleted) sent.delete(p);
  }
  return { set, delete: deleted };
}

/** `files` in pieces of about `maxChars` characters of text each (a file is never split). */
export function inPieces(files: readonly WorkspaceFile[], maxChars = 256 * 1024): WorkspaceFile[][] {
  const out: WorkspaceFile[][] = [];
  let piece: WorkspaceFile[] = [];
  let size = 0;
  for (const f of files) {
    if (piece.length > 0 && size + f.text.length > maxChars) {
      out.push(piece);
      piece = [];
      size = 0;
    }
    piece.push(f);
    size += f.text.length + f.path.length;
  }
  if (piece.length > 0 || out.length === 0) out.push(piece);
  return out;
}

/**
 * Sends the worker what changed in `files` since `sent` (all of them when `full`: a new
 * worker or a reloaded folder), in pieces. Resolves, once every piece is posted, to how many
 * files were sent.
 */
export async function sendFiles(
  client: AnalysisClient,
  folder: string,
  sent: SentFiles,
  files: readonly WorkspaceFile[],
  full: boolean,
  onError: (error: unknown) => void,
): Promise<number> {
  if (full) sent.clear();
  const { set, delete: deleted } = fileDelta(sent, files);
  for (const [i, piece] of inPieces(set).entries()) {
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, 0));
    client
      .request({ op: 'files', folder, full: full && i === 0, set: piece, delete: i === 0 ? deleted : [] })
      .catch(onError);
  }
  return set.length;
}

/** What the host holds of a folder's diagnostics. */
export interface HeldDiagnostics {
  readonly diagnostics: Map<string, Diagnostic[]>;
  /**
   * The files changed since the last publish ('all': publish everything again). A file may
   * be named more than once (a summary in several pieces).
   */
  changedDiagnostics: string[] | 'all';
}

/** How work on the host's thread is cut: about `sliceMs` of it, then `pause()` lets the event loop run. */
export interface SliceOptions {
  sliceMs?: number;
  now?: () => number;
  pause?: () => Promise<void>;
}

/** A slice of host work: short enough that a keystroke or a timer is never held up long. */
const SLICE_MS = 8;
const nextTask = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/** Per held folder: the summaries being applied, in order, and how many of them were full. */
interface Applying {
  tail: Promise<void>;
  fulls: number;
}
const applying = new WeakMap<HeldDiagnostics, Applying>();

/**
 * Applies a summary's diagnostics (all, or the files that changed) to what the folder holds,
 * one piece at a time with the event loop free between slices. Summaries apply in the order
 * this is called (the worker's differences build on each other); the rest of a summary a
 * later full summary replaces is not applied. Resolves once this summary is applied (or
 * skipped).
 */
export function applyDiagnostics(
  held: HeldDiagnostics,
  update: FolderSummary['diagnostics'],
  options: SliceOptions = {},
): Promise<void> {
  let state = applying.get(held);
  if (!state) applying.set(held, (state = { tail: Promise.resolve(), fulls: 0 }));
  const queue = state;
  if (update.full) queue.fulls++;
  const fullsSoFar = queue.fulls;
  const superseded = (): boolean => queue.fulls !== fullsSoFar;
  const run = queue.tail.then(() => applyInSlices(held, update, superseded, options));
  queue.tail = run.catch(() => undefined);
  return run;
}

async function applyInSlices(
  held: HeldDiagnostics,
  update: FolderSummary['diagnostics'],
  superseded: () => boolean,
  { sliceMs = SLICE_MS, now = () => performance.now(), pause = nextTask }: SliceOptions,
): Promise<void> {
  if (superseded()) return;
  if (update.full) {
    held.diagnostics.clear();
    held.changedDiagnostics = 'all';
  }
  let start = now();
  for (const piece of update.pieces) {
    if (now() - start >= sliceMs) {
      await pause();
      if (superseded()) return;
      start = now();
    }
    const files = parseDiagnosticPiece(piece);
    const changed = held.changedDiagnostics;
    for (const [file, list] of files) {
      if (list.length === 0) held.diagnostics.delete(file);
      else held.diagnostics.set(file, list);
      if (changed !== 'all') changed.push(file);
    }
  }
}

/**
 * Runs `each` over the items added, in slices of about `sliceMs` with the event loop free in
 * between (publishing ten thousand files' diagnostics does not hold the host's thread). An
 * item added again before its turn runs once; `each` reads the latest state then.
 */
export class SlicedQueue<T> {
  private readonly pending = new Set<T>();
  private running: Promise<void> | undefined;

  constructor(
    private readonly each: (item: T) => void,
    private readonly options: SliceOptions = {},
  ) {}

  /** Queues `items`; resolves when the queue is empty (items added meanwhile included). */
  add(items: Iterable<T>): Promise<void> {
    for (const item of items) this.pending.add(item);
    this.running ??= this.drain();
    return this.running;
  }

  /** Drops what is queued (the folder is gone). */
  clear(): void {
    this.pending.clear();
  }

  get size(): number {
    return this.pending.size;
  }

  private async drain(): Promise<void> {
    const { sliceMs = SLICE_MS, now = () => performance.now(), pause = nextTask } = this.options;
    // Never finishes before `add` has stored it as the running drain.
    await Promise.resolve();
    try {
      let start = now();
      for (;;) {
        const next = this.pending.values().next();
        if (next.done === true) return;
        if (now() - start >= sliceMs) {
          await pause();
          start = now();
          continue;
        }
        this.pending.delete(next.value);
        this.each(next.value);
      }
    } finally {
      this.running = undefined;
    }
  }
}
