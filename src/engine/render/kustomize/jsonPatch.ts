// RFC 6902 JSON patch (kustomize uses evanphx/json-patch): add, remove, replace, move, copy,
// test over a resource, with RFC 6901 pointers (`-` appends). Errors are returned, never thrown.
import type { Value, ValueMap } from './value';
import { clone, deepEqual, isValueMap } from './value';

export interface JsonPatchOp {
  op: string;
  path: string;
  from?: string;
  value?: Value;
}

function parsePointer(p: string): string[] | undefined {
  if (p === '') return [];
  if (!p.startsWith('/')) return undefined;
  return p
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

interface Slot {
  parent: Value[] | ValueMap;
  key: string;
}

function locate(doc: Value, tokens: string[]): Slot | string {
  let cur: Value = doc;
  for (let i = 0; i < tokens.length - 1; i++) {
    const t = tokens[i] ?? '';
    if (Array.isArray(cur)) {
      const n = Number(t);
      if (!/^\d+$/.test(t) || n >= cur.length) return `array index out of bounds: ${t}`;
      cur = cur[n] ?? null;
    } else if (isValueMap(cur)) {
      if (!(t in cur)) return 'doc is missing path';
      cur = cur[t] ?? null;
    } else return 'doc is missing path';
  }
  if (!Array.isArray(cur) && !isValueMap(cur)) return 'doc is missing path';
  return { parent: cur, key: tokens[tokens.length - 1] ?? '' };
}

function get(slot: Slot): Value | undefined {
  if (Array.isArray(slot.parent)) {
    const n = Number(slot.key);
    return /^\d+$/.test(slot.key) && n < slot.parent.length ? slot.parent[n] : undefined;
  }
  return slot.key in slot.parent ? slot.parent[slot.key] : undefined;
}

function add(slot: Slot, v: Value): string | undefined {
  if (Array.isArray(slot.parent)) {
    if (slot.key === '-') {
      slot.parent.push(v);
      return undefined;
    }
    const n = Number(slot.key);
    if (!/^\d+$/.test(slot.key) || n > slot.parent.length)
      return `Unable to access invalid index: ${slot.key}`;
    slot.parent.splice(n, 0, v);
    return undefined;
  }
  slot.parent[slot.key] = v;
  return undefined;
}

function remove(slot: Slot): string | undefined {
  if (get(slot) === undefined) return `Unable to remove nonexistent key: ${slot.key}: missing value`;
  if (Array.isArray(slot.parent)) slot.parent.splice(Number(slot.key), 1);
  else delete slot.parent[slot.key];
  return undefined;
}

/** Applies `ops` to a copy of `doc`; returns the new document or an error message. */
export function applyJsonPatch(doc: ValueMap, ops: readonly JsonPatchOp[]): ValueMap | string {
  const root: { v: Value } = { v: clone(doc) };
  for (const op of ops) {
    const tokens = parsePointer(op.path);
    if (!tokens) return `invalid path: ${op.path}`;
    if (tokens.length === 0) {
      if (op.op === 'replace' || op.op === 'add') {
        root.v = clone(op.value ?? null);
        continue;
      }
      return `unsupported operation on root: ${op.op}`;
    }
    const slot = locate(root.v, tokens);
    if (typeof slot === 'string') return `${slot}: ${op.path}`;
    let err: string | undefined;
    switch (op.op) {
      case 'add':
        err = add(slot, clone(op.value ?? null));
        break;
      case 'remove':
        err = remove(slot);
        break;
      case 'replace':
        if (get(slot) === undefined)
          err = `replace operation does not apply: doc is missing key: ${op.path}: missing value`;
        else if (Array.isArray(slot.parent)) slot.parent[Number(slot.key)] = clone(op.value ?? null);
        else slot.parent[slot.key] = clone(op.value ?? null);
        break;
      case 'test':
        if (!deepEqual(get(slot), op.value ?? null)) err = `testing value ${op.path} failed: test failed`;
        break;
      case 'move':
      case 'copy': {
        const from = parsePointer(op.from ?? '');
        if (!from || from.length === 0) return `invalid from: ${op.from ?? ''}`;
        const fromSlot = locate(root.v, from);
        if (typeof fromSlot === 'string') return `${fromSlot}: ${op.from ?? ''}`;
        const v = get(fromSlot);
        if (v === undefined)
          return `${op.op} operation does not apply: doc is missing from path: ${op.from ?? ''}`;
        if (op.op === 'move') remove(fromSlot);
        const target = locate(root.v, tokens);
        if (typeof target === 'string') return `${target}: ${op.path}`;
        err = add(target, clone(v));
        break;
      }
      default:
        err = `Unexpected kind: ${op.op}`;
    }
    if (err) return err;
  }
  return isValueMap(root.v) ? root.v : 'patch result is not an object';
}
