import type { Analysis, WorkspaceInput } from '../engine';

/**
 * One folder's analyzer (the engine's incremental analyzer behind the model's input),
 * injected so tests and benches can wrap it.
 */
export interface Analyzer {
  /** Takes the folder's files, profile and limits; parses nothing yet. */
  update(input: WorkspaceInput): void;
  /** Parses changed files until `stop()` says so (at least one); true when none is left. */
  loadSome(stop: () => boolean): boolean;
  /** The analysis of the last input (parses what is left first). */
  analyze(): Analysis;
}

export interface SliceOptions {
  /** How long one slice of parsing may hold the thread (default 25 ms). */
  sliceMs?: number;
  /** Gives the event loop a turn between slices. */
  pause: () => Promise<void>;
  /** Checked after each pause: true gives up the run (a newer input is on its way). */
  cancelled: () => boolean;
  now?: () => number;
}

/**
 * Analyses `input` without holding the thread for more than about one slice at a time while
 * files are parsed (parsing is most of a first analysis); the reconcile then runs in one
 * go. Undefined when cancelled; what was parsed stays in the analyzer for the next run.
 */
export async function analyzeInSlices(
  analyzer: Analyzer,
  input: WorkspaceInput,
  options: SliceOptions,
): Promise<Analysis | undefined> {
  const now = options.now ?? ((): number => performance.now());
  const sliceMs = options.sliceMs ?? 25;
  analyzer.update(input);
  for (;;) {
    const end = now() + sliceMs;
    if (analyzer.loadSome(() => now() >= end)) break;
    await options.pause();
    if (options.cancelled()) return undefined;
  }
  return analyzer.analyze();
}
