// The host's half of keeping the analysis worker in step with a folder, kept cheap for the
// host's thread: only the files whose text (or unreadable reason) changed travel, a large
// change goes in pieces with the event loop free in between, and summaries carry only the
// diagnostics that changed. No vscode (the model and the bench use it).
import type { WorkspaceFile } from '../engine';
import type { Diagnostic } from '../engine/model';
import type { AnalysisClient } from './analysisClient';
import type { FolderSummary } from './service/protocol';

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
  /** The files changed since the last publish ('all': publish everything again). */
  changedDiagnostics: string[] | 'all';
}

/** Applies a summary's diagnostics (all, or the files that changed) to what the folder holds. */
export function applyDiagnostics(held: HeldDiagnostics, update: FolderSummary['diagnostics']): void {
  const changed = held.changedDiagnostics === 'all' ? undefined : new Set(held.changedDiagnostics);
  if (update.full) {
    held.diagnostics.clear();
    held.changedDiagnostics = 'all';
  }
  for (const [file, list] of update.files) {
    if (list.length === 0) held.diagnostics.delete(file);
    else held.diagnostics.set(file, list);
    changed?.add(file);
  }
  if (!update.full && changed) held.changedDiagnostics = [...changed];
}
