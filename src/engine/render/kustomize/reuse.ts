// What one kustomize build leaves for the next build over the same workspace (the render
// stage owns one `BuildReuse`, beside its ParseCache): for each kustomization used as a
// resource, what it built to, valid while every question that build asked the filesystem
// gets the same answer; and for each output resource the YAML it printed as, valid while
// the resource is equal. An edit in one base then rebuilds only the kustomizations above
// it, from the kept results of the bases beside it, and prints only what changed.
import type { TransformerConfig } from './config';
import type { BuiltResource } from './index';
import type { CandidateIndex } from './nameReference';
import type { FsChanges, KustomizeFs } from './fs';
import { cleanPath, FileVersions } from './fs';
import type { Resource, SourceRef } from './resource';
import type { ResId } from './resource';
import { curId } from './resource';
import type { ValueMap } from './value';
import { clone, deepEqual } from './value';

/** One question a build asked the filesystem, and the answer (a listing joined with NUL). */
export type FsQuery =
  | { readonly op: 'readFile' | 'readBinary'; readonly path: string; readonly answer: string | undefined }
  | { readonly op: 'exists' | 'isDir'; readonly path: string; readonly answer: boolean }
  | { readonly op: 'listDir'; readonly path: string; readonly answer: string };

/**
 * What a build (or a kustomization's steps) asked the filesystem: its own questions, and by
 * reference what each kept build it used in place of building asked (never copied up).
 * Over a filesystem that tells what changed (KustomizeFs.changes), the paths asked about
 * and a stamp: still valid while none of them changed since. Over another, each question
 * with its answer: still valid while each is answered the same.
 */
export interface FsAsked {
  /** The filesystem's changes it was recorded against, or undefined (answers kept). */
  readonly changes: FsChanges | undefined;
  /** With changes: the moment the answers are known to be these (moves on at each check that passes). */
  stamp: number;
  /** Without changes: its own questions and answers, in order. */
  readonly queries: FsQuery[];
  /** With changes: the clean paths its own questions were about. */
  readonly paths: Set<string>;
  /** With changes: the clean paths of the files it read (those that had a text). */
  readonly reads: string[];
  /** What the kept builds and steps it used asked. */
  readonly parts: FsAsked[];
  /** See recordingFs: the walk that saw it last. */
  seen: object | undefined;
}

/** A kustomization's build as a resource of another, as it was when it finished. */
export interface KeptBuild {
  /** Everything it asked the filesystem (its own bases' questions included). */
  readonly queries: FsAsked;
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

/**
 * What a kustomization's own steps (its patches and built-in transformers, or at the top the
 * content hashes and name-reference fix-ups) made of each resource they were given, last time.
 * Those steps act on each resource alone once the ids of all of them are known (see
 * Builder.steps): given the same resources but a few, with the same ids, and the same
 * configuration, the others come out as they did.
 */
export interface KeptSteps {
  /** The configuration the steps ran with. */
  readonly key: string;
  /** The kustomization text (steps; at the top's finish, none). */
  readonly text?: string;
  /** What the steps asked the filesystem (patch files); [] when they ask nothing. */
  readonly queries: FsAsked | readonly [];
  /** The resources as the steps got them (snapshots), in order. */
  readonly inputs: readonly Resource[];
  /** What each became (snapshots), at the same positions. */
  readonly outputs: readonly Resource[];
  /** Which resources each of the steps' patches can patch (valid with key and queries). */
  readonly patches?: PatchPlan;
  /** At the top: the name references' candidates among the outputs (see CandidateIndex). */
  readonly names?: CandidateIndex;
}

/**
 * For each `patchesStrategicMerge` and `patches` entry of a kustomization, in order: the
 * idKeys of the resources its patches name, or undefined for an entry that selects by
 * target (it may patch any). A function of the kustomization text and the patch files:
 * steps on a few resources then look only at the entries that can match them.
 */
export interface PatchPlan {
  readonly patchesStrategicMerge: readonly (readonly string[] | undefined)[];
  readonly patches: readonly (readonly string[] | undefined)[];
}

/** An output order: the ids of the resources sorted, and the position each output came from. */
export interface KeptOrder {
  readonly key: string;
  readonly ids: readonly string[];
  readonly order: readonly number[];
  /** The resources sorted (snapshots among them keep their ids). */
  readonly resources: readonly Resource[];
}

export class BuildReuse {
  /** The files as the workspace gave them last (a workspace build tells the kept builds what changed). */
  readonly files = new FileVersions();
  /**
   * `checkSnapshots`: deep-freeze every kept resource, so that a build mutating one fails at
   * once (tests; a kept resource is shared by every later build that reuses it).
   */
  constructor(readonly checkSnapshots = false) {}
  /** By directory, load restrictions and origin root (what a build of it depends on besides files). */
  readonly builds = new Map<string, KeptBuild>();
  /** By directory and role: what its steps made of each resource (see KeptSteps). */
  readonly steps = new Map<string, KeptSteps>();
  /**
   * By directory: the idKeys of the resources its last build accumulated, in order. A fact
   * about strings alone (they have no duplicates), valid whatever changed: a build whose
   * keys follow it needs no set to find duplicates.
   */
  readonly accumulated = new Map<string, readonly string[]>();
  /** By built directory: the output order of its last build. */
  readonly orders = new Map<string, KeptOrder>();
  /** By built directory: each output resource's object and YAML, from its last build. */
  readonly printed = new Map<string, Map<string, { readonly obj: ValueMap; readonly yaml: string }>>();
  /**
   * By built directory: what each output of its last build was handed out as (outputs that
   * are snapshots only: never changed, so the same instance builds the same).
   */
  readonly built = new Map<string, Map<Resource, { readonly res: BuiltResource; readonly key: string }>>();
}

/** A KustomizeFs that records what is asked of it in the innermost log open on it. */
export interface RecordingFs extends KustomizeFs {
  /** Opens a log: what is asked until it closes (an enclosing log gets it as a part). */
  open(): FsAsked;
  /** Closes the innermost log (`log`), a part of the one now innermost. */
  close(log: FsAsked): void;
  /**
   * Whether what `asked` asked gets the same answers now (checked against the changes of
   * the filesystem when it tells them, else asked again); if so, a part of the innermost log.
   */
  sameAnswers(asked: FsAsked | readonly []): boolean;
}

export function recordingFs(fs: KustomizeFs): RecordingFs {
  const changes = fs.changes;
  const open: FsAsked[] = [];
  let top: FsAsked | undefined;
  // The walk over kept FsAsked trees under way (a part used by several builds is seen once
  // per walk): a new object each time, so that no mark an earlier walk left passes for it.
  let walk: object = {};
  const ask = (op: FsQuery['op'], path: string, answer: FsQuery['answer']): void => {
    if (!top) return;
    if (changes) {
      const clean = cleanPath(path);
      top.paths.add(clean);
      if ((op === 'readFile' || op === 'readBinary') && answer !== undefined) top.reads.push(clean);
    } else top.queries.push({ op, path, answer } as FsQuery);
  };
  const readBinary = fs.readBinary?.bind(fs);
  // Each of `asked`'s questions asked again: true when every answer is the same.
  const askedAgain = (asked: FsAsked): boolean => {
    if (asked.seen === walk) return true;
    asked.seen = walk;
    for (const q of asked.queries) {
      let same: boolean;
      switch (q.op) {
        case 'readFile':
          same = fs.readFile(q.path) === q.answer;
          break;
        case 'readBinary':
          same = readBinary?.(q.path) === q.answer;
          break;
        case 'exists':
          same = fs.exists(q.path) === q.answer;
          break;
        case 'isDir':
          same = fs.isDir(q.path) === q.answer;
          break;
        case 'listDir':
          same = fs.listDir(q.path).join('\0') === q.answer;
          break;
      }
      if (!same) return false;
    }
    return asked.parts.every(askedAgain);
  };
  // Whether a path of `changed` is among those `asked` (its parts included) asked about.
  const touched = (asked: FsAsked, changed: readonly string[]): boolean => {
    if (asked.seen === walk) return false;
    asked.seen = walk;
    for (const p of changed) if (asked.paths.has(p)) return true;
    for (const a of asked.parts) if (touched(a, changed)) return true;
    return false;
  };
  const reread = (asked: FsAsked): void => {
    if (asked.seen === walk) return;
    asked.seen = walk;
    if (asked.reads.length > 0) fs.reread?.(asked.reads);
    for (const a of asked.parts) reread(a);
  };
  const out: RecordingFs = {
    readFile: (path) => {
      const answer = fs.readFile(path);
      ask('readFile', path, answer);
      return answer;
    },
    exists: (path) => {
      const answer = fs.exists(path);
      ask('exists', path, answer);
      return answer;
    },
    isDir: (path) => {
      const answer = fs.isDir(path);
      ask('isDir', path, answer);
      return answer;
    },
    listDir: (path) => {
      const answer = fs.listDir(path);
      ask('listDir', path, changes ? '' : answer.join('\0'));
      return answer;
    },
    open: () => {
      const log: FsAsked = {
        changes,
        stamp: changes?.stamp ?? 0,
        queries: [],
        paths: new Set(),
        reads: [],
        parts: [],
        seen: undefined,
      };
      if (top) open.push(top);
      top = log;
      return log;
    },
    close: (log) => {
      if (log !== top) throw new Error('recordingFs: a log closed out of order');
      top = open.pop();
      top?.parts.push(log);
    },
    sameAnswers: (asked) => {
      if (!('parts' in asked)) return true;
      if (asked.changes !== changes) return false;
      if (changes) {
        const changed = changes.since(asked.stamp);
        if (!changed) return false;
        if (changed.length > 0) {
          walk = {};
          if (touched(asked, changed)) return false;
        }
        asked.stamp = changes.stamp;
        // The files it read are read by this build too.
        walk = {};
        reread(asked);
      } else {
        walk = {};
        if (!askedAgain(asked)) return false;
      }
      top?.parts.push(asked);
      return true;
    },
  };
  // Generators read bytes when the filesystem can give them: keep whether it can.
  if (readBinary)
    out.readBinary = (path) => {
      const answer = readBinary(path);
      ask('readBinary', path, answer);
      return answer;
    };
  return out;
}

/**
 * Marks a resource as a snapshot: kept for later builds and shared with them, never mutated
 * again (a build copies it first, see thaw). With `check`, frozen so that a mutation throws.
 */
export function snapshot(r: Resource, check: boolean): Resource {
  if (r.snapshot) return r;
  // curId trusts a snapshot's kept id (it never changes): make it the current one first.
  curId(r);
  r.snapshot = true;
  if (check) {
    deepFreeze(r.obj);
    Object.freeze(r.prevIds);
    Object.freeze(r.prefixes);
    Object.freeze(r.suffixes);
    if (r.generated) Object.freeze(r.generated);
    if (r.refVarNames) Object.freeze(r.refVarNames);
  }
  return r;
}

function deepFreeze(v: unknown): void {
  if (typeof v !== 'object' || v === null || Object.isFrozen(v)) return;
  Object.freeze(v);
  for (const x of Object.values(v)) deepFreeze(x);
}

/** Replaces each snapshot in the list by a copy the build may mutate. */
export function thaw(resources: Resource[]): void {
  for (let i = 0; i < resources.length; i++) {
    const r = resources[i] as Resource;
    if (r.snapshot) resources[i] = copyResource(r);
  }
}

function equalIds(x: ResId, y: ResId): boolean {
  return (
    x === y ||
    (x.group === y.group &&
      x.version === y.version &&
      x.kind === y.kind &&
      x.name === y.name &&
      x.namespace === y.namespace)
  );
}

function sameIds(a: readonly ResId[], b: readonly ResId[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!equalIds(a[i] as ResId, b[i] as ResId)) return false;
  return true;
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Whether two resources have the same current and previous ids and went through the same prefixes and suffixes. */
export function sameIdentity(a: Resource, b: Resource): boolean {
  return (
    equalIds(curId(a), curId(b)) &&
    sameIds(a.prevIds, b.prevIds) &&
    sameStrings(a.prefixes, b.prefixes) &&
    sameStrings(a.suffixes, b.suffixes) &&
    a.generated?.behavior === b.generated?.behavior &&
    a.generated?.hash === b.generated?.hash
  );
}

/** Whether a build could tell the two apart: object, origin, ids, field sources, generator and var state. */
export function sameResource(a: Resource, b: Resource): boolean {
  if (a === b) return true;
  if (
    a.origin.file !== b.origin.file ||
    a.origin.line !== b.origin.line ||
    !sameIdentity(a, b) ||
    !sameStrings(a.refVarNames ?? [], b.refVarNames ?? []) ||
    (a.refVarNames === undefined) !== (b.refVarNames === undefined) ||
    (a.generated === undefined) !== (b.generated === undefined) ||
    a.fields.size !== b.fields.size
  )
    return false;
  for (const [k, v] of a.fields) {
    const w = b.fields.get(k);
    if (!w || w.file !== v.file || w.line !== v.line) return false;
  }
  return deepEqual(a.obj, b.obj);
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
  // The copy has the same id: curId's last answer carries over (with its key), for the copy's object.
  const id = r.idCache;
  if (id && id.obj === r.obj) out.idCache = { ...id, obj: out.obj };
  return out;
}
