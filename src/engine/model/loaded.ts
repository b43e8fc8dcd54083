import type { Diagnostic, SourceRange } from './source';

/**
 * One Kubernetes object as written in a file: the plain JSON value plus the
 * source range of every value in it, keyed by its API field path
 * (`spec.ports[0].targetPort`, `metadata.labels.app`; keys containing dots or
 * brackets are written `metadata.labels['app.kubernetes.io/name']`).
 */
export interface LoadedObject {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  /** The object as parsed (after unpacking `List` items). */
  raw: Record<string, unknown>;
  file: string;
  /** Index of the YAML document in its file (0-based). */
  docIndex: number;
  /** The whole object. */
  range: SourceRange;
  /** Value ranges by field path. */
  ranges: ReadonlyMap<string, SourceRange>;
  /** Key ranges (the `name:` part) by field path. */
  keyRanges: ReadonlyMap<string, SourceRange>;
  /**
   * Set on an object no file defines, which a controller creates at run time from one that a
   * file does (an operator's StatefulSet and Service from its custom resource): its ranges are
   * lines of that resource, so a finding on it offers no quick fix (an edit there would not
   * write the object's field).
   */
  generatedBy?: GeneratedBy;
}

/** Who creates a generated object: the controller and the resource it creates it for. */
export interface GeneratedBy {
  /** e.g. `prometheus-operator v0.93.1`. */
  controller: string;
  kind: string;
  namespace: string;
  name: string;
}

export interface LoadedFile {
  file: string;
  objects: LoadedObject[];
  /** yaml-syntax errors, skipped-template notes. */
  diagnostics: Diagnostic[];
  /**
   * A kustomization file's content (its first document), also when it names no apiVersion
   * or kind, as kustomize allows: what it lists is no manifest of its own.
   */
  kustomization?: Record<string, unknown>;
}
