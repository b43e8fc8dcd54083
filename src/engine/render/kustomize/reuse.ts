// What one kustomize build leaves for the next build over the same workspace (the render
// stage owns one `BuildReuse`, beside its ParseCache): for each kustomization used as a
// resource, what it built to, valid while every question that build asked the filesystem
// gets the same answer; and for each output resource the YAML it printed as, valid while
// the resource is equal. An edit in one base then rebuilds only the kustomizations above
// it, from the kept results of the bases beside it, and prints only what changed.
import type { TransformerConfig } from './config';
import type { KustomizeFs } from './fs';
import type { Resource, SourceRef } from './resource';
import type { ValueMap } from './value';
import { clone } from './value';

/** One question a build asked the filesystem, and the answer (a listing joined with NUL). */
export type FsQuery =
  | { readonly op: 'readFile' | 'readBinary'; readonly path: string; readonly answer: string | undefined }
  | { readonly op: 'exists' | 'isDir'; readonly path: string; readonly answer: boolean }
  | { readonly op: 'listDir'; readonly path: string; readonly answer: string };

/** A kustomization's build as a resource of another, as it was when it finished. */
export interface KeptBuild {
  /** Everything it asked the filesystem (its own bases' questions included), in order. */
  readonly queries: readonly FsQuery[];
  /** Its resources, never handed out: each use gets a copy (builds mutate what they hold). */
  readonly resources: readonly Resource[];
  /** Its transformer configuration (merged into the parent's, never changed). */
  readonly config: TransformerConfig;
  readonly notes: readonly { readonly file: string; readonly line?: number; readonly message: string }[];
  /** The kustomization directories it built (for the cycle check of a later use). */
  readonly visited: readonly string[];
  /** How deep its kustomizations nested (for the depth limit of a later use). */
  readonly depth: number;
}

export class BuildReuse {
  /** By directory, load restrictions and origin root (what a build of it depends on besides files). */
  readonly builds = new Map<string, KeptBuild>();
  /** By built directory: each output resource's object and YAML, from its last build. */
  readonly printed = new Map<string, Map<string, { readonly obj: ValueMap; readonly yaml: string }>>();
}

/** A KustomizeFs that appends every question and answer to each log open on it. */
export interface RecordingFs extends KustomizeFs {
  readonly logs: FsQuery[][];
  /** Asks `queries` again (logging them); true when every answer is the same. */
  sameAnswers(queries: readonly FsQuery[]): boolean;
}

export function recordingFs(fs: KustomizeFs): RecordingFs {
  const logs: FsQuery[][] = [];
  const log = (q: FsQuery): void => {
    for (const l of logs) l.push(q);
  };
  const readBinary = fs.readBinary?.bind(fs);
  const out: RecordingFs = {
    logs,
    readFile: (path) => {
      const answer = fs.readFile(path);
      log({ op: 'readFile', path, answer });
      return answer;
    },
    exists: (path) => {
      const answer = fs.exists(path);
      log({ op: 'exists', path, answer });
      return answer;
    },
    isDir: (path) => {
      const answer = fs.isDir(path);
      log({ op: 'isDir', path, answer });
      return answer;
    },
    listDir: (path) => {
      const answer = fs.listDir(path);
      log({ op: 'listDir', path, answer: answer.join('\0') });
      return answer;
    },
    sameAnswers: (queries) => {
      for (const q of queries) {
        switch (q.op) {
          case 'readFile':
            if (out.readFile(q.path) !== q.answer) return false;
            break;
          case 'readBinary':
            if (out.readBinary?.(q.path) !== q.answer) return false;
            break;
          case 'exists':
            if (out.exists(q.path) !== q.answer) return false;
            break;
          case 'isDir':
            if (out.isDir(q.path) !== q.answer) return false;
            break;
          case 'listDir':
            if (out.listDir(q.path).join('\0') !== q.answer) return false;
            break;
        }
      }
      return true;
    },
  };
  // Generators read bytes when the filesystem can give them: keep whether it can.
  if (readBinary)
    out.readBinary = (path) => {
      const answer = readBinary(path);
      log({ op: 'readBinary', path, answer });
      return answer;
    };
  return out;
}

/** A copy a build may mutate (sources, ids and field origins are immutable and shared). */
export function copyResource(r: Resource): Resource {
  const out: Resource = {
    obj: clone(r.obj),
    origin: r.origin,
    prevIds: [...r.prevIds],
    prefixes: [...r.prefixes],
    suffixes: [...r.suffixes],
    fields: new Map<string, SourceRef>(r.fields),
  };
  if (r.generated) out.generated = { ...r.generated };
  if (r.refVarNames) out.refVarNames = [...r.refVarNames];
  return out;
}
