// What the loader reads at most. Separate from the loader so the extension's settings can
// read the defaults without loading the YAML parser.

export interface LoadLimits {
  /** Largest file read, in bytes; bigger files get an info diagnostic and are skipped. */
  maxFileBytes: number;
  /** yaml's alias expansion guard against "billion laughs". */
  maxAliasCount: number;
  /** Documents analysed per file; the rest are reported and not parsed. */
  maxDocuments: number;
  /**
   * Deepest nesting (block and flow levels) parsed; deeper files get a warning and are
   * skipped. yaml's parser slows quadratically with depth and overflows the stack near
   * 1,000 levels; Kubernetes objects nest a few dozen.
   */
  maxNestingDepth: number;
}

export const DEFAULT_LOAD_LIMITS: LoadLimits = {
  maxFileBytes: 20 * 1024 * 1024,
  maxAliasCount: 100,
  maxDocuments: 20000,
  maxNestingDepth: 256,
};
