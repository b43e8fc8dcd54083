// A rendered manifest's head (apiVersion, kind, metadata.name, metadata.annotations) read line
// by line, without a YAML parse. Helm decodes every rendered document to read its head, so a
// YAML error anywhere in it fails the render; the exact read (`readHead`) is a full parse. Most
// rendered documents use only a small part of block YAML: mappings and sequences by
// indentation, plain and simply quoted scalars on one line, block scalars, `[]`, `{}` and
// one-line lists of simple scalars. When every line of a document is in that part, the full
// read cannot fail and its head is what this scan finds. A document with anything else
// (anchors, tags, other flow collections, multi-line or escaped scalars, tabs, non-ASCII
// outside block scalars, a head value that is not plainly a string) answers undefined, and the
// caller parses it. So the answer is `readHead`'s or none (test/unit/helm-head-scan.test.ts).
import type { Head } from './manifests';

type Role = 'root' | 'metadata' | 'annotations' | 'scalar' | 'other';

interface Frame {
  readonly indent: number;
  readonly kind: 'map' | 'seq';
  /** A sequence at its parent key's indentation (`key:` then `- a` in the same column). */
  readonly compact: boolean;
  readonly role: Role;
}

type Val =
  | { readonly t: 'none' }
  | { readonly t: 'str'; readonly s: string }
  | { readonly t: 'other' }
  | { readonly t: 'block' };

const NONE: Val = { t: 'none' };
const OTHER: Val = { t: 'other' };
const BLOCK: Val = { t: 'block' };

const KEY = /^(?:([A-Za-z0-9_][A-Za-z0-9_./-]{0,999})|"([^"\\]{0,999})"|'([^']{0,999})'):(?: +|$)/;
const DOUBLE = /^"((?:[^"\\]|\\["\\/nt])*)"(?: +#.*| *)$/;
const SINGLE = /^'((?:[^']|'')*)'(?: +#.*| *)$/;
const BLOCK_HEADER = /^[|>][-+]?(?: +#.*| *)$/;
const EMPTY_FLOW = /^(?:\[\]|\{\})(?: +#.*| *)$/;
/** A flow sequence of simple scalars on one line: `["get", "list"]`, `[a, b]`. */
const FLOW_ITEM = `(?:"[^"\\\\]*"|'[^']*'|[A-Za-z0-9_./][A-Za-z0-9_./-]*)`;
const FLOW_SEQ = new RegExp(`^\\[ *${FLOW_ITEM}(?: *, *${FLOW_ITEM})* *\\](?: +#.*| *)$`);
const PLAIN_START = /^(?:[A-Za-z0-9_./~$(]|-[A-Za-z0-9.])/;
const ASCII = /^[\x20-\x7e]*$/;
const BLOCK_TEXT = /^[\t\x20-\x7e\u00a0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd]*$/;
/** YAML 1.1 booleans and nulls, in any case (more than the schema reads, to stay on the safe side). */
const NOT_STRING = new Set(['y', 'n', 'yes', 'no', 'true', 'false', 'on', 'off', 'null']);
const MAX_FRAMES = 200;

function unescapeDouble(s: string): string {
  return s.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : c));
}

/** A plain scalar the YAML 1.1 schema reads as a string, for certain. */
function plainString(s: string): boolean {
  return /^[A-Za-z]/.test(s) && !NOT_STRING.has(s.toLowerCase());
}

/** The value after `key: ` or `- `; undefined when it is outside the subset. */
function scalar(rest: string): Val | undefined {
  if (rest === '' || rest.startsWith('#')) return NONE;
  const c = rest[0];
  if (c === '"') {
    const m = DOUBLE.exec(rest);
    return m ? { t: 'str', s: unescapeDouble(m[1] ?? '') } : undefined;
  }
  if (c === "'") {
    const m = SINGLE.exec(rest);
    return m ? { t: 'str', s: (m[1] ?? '').replace(/''/g, "'") } : undefined;
  }
  if (c === '|' || c === '>') return BLOCK_HEADER.test(rest) ? BLOCK : undefined;
  if (c === '[' || c === '{') return EMPTY_FLOW.test(rest) || FLOW_SEQ.test(rest) ? OTHER : undefined;
  if (!PLAIN_START.test(rest) || rest.startsWith('...')) return undefined;
  const hash = rest.indexOf(' #');
  const v = (hash < 0 ? rest : rest.slice(0, hash)).trimEnd();
  if (v.includes(': ') || v.endsWith(':')) return undefined;
  return plainString(v) ? { t: 'str', s: v } : OTHER;
}

/** A `key:` or `-` with nothing after it: its node is on the next lines, or null. */
interface Pending {
  readonly indent: number;
  readonly fromKey: boolean;
  readonly role: Role;
}

interface Found {
  apiVersion?: string;
  kind?: string;
  metadata?: true;
  name?: string;
  annotationsKey?: true;
  annotations: Map<string, string>;
}

/** The head of `doc` as `readHead` reads it, or undefined when only a parse can tell. */
export function scanHead(doc: string): Head | undefined {
  const found: Found = { annotations: new Map() };
  const stack: Frame[] = [{ indent: 0, kind: 'map', compact: false, role: 'root' }];
  let pending = null as Pending | null;
  let block: { parent: number; content?: number } | null = null;
  let content = false;

  /** One `key: value` of the mapping `frame`: the role of its node, or undefined when outside the subset. */
  const entry = (frame: Frame, key: string, plainKey: boolean, v: Val): Role | undefined => {
    let role: Role = 'other';
    if (frame.role === 'root' || frame.role === 'metadata') {
      const head = frame.role === 'root' ? ['apiVersion', 'kind'] : ['name'];
      const nested = frame.role === 'root' ? 'metadata' : 'annotations';
      if (head.includes(key)) {
        const k = key as 'apiVersion' | 'kind' | 'name';
        if (found[k] !== undefined) return undefined;
        if (v.t === 'str') found[k] = v.s;
        else if (v.t === 'none') found[k] = '';
        else return undefined;
        role = 'scalar';
      } else if (key === nested) {
        const k = nested === 'metadata' ? 'metadata' : 'annotationsKey';
        if (found[k] !== undefined || v.t !== 'none') return undefined;
        found[k] = true;
        role = nested;
      }
    } else if (frame.role === 'annotations') {
      if ((plainKey && !plainString(key)) || found.annotations.has(key)) return undefined;
      if (v.t === 'str') found.annotations.set(key, v.s);
      else if (v.t === 'none') found.annotations.set(key, '');
      else return undefined;
      role = 'scalar';
    }
    return role;
  };

  for (const line of doc.split('\n')) {
    if (block !== null) {
      if (/^ *$/.test(line)) {
        if (block.content === undefined && line.length > 0) return undefined;
        continue;
      }
      const lead = /^ */.exec(line)?.[0].length ?? 0;
      if (block.content === undefined && lead > block.parent) block.content = lead;
      if (block.content !== undefined && lead >= block.content) {
        if (!BLOCK_TEXT.test(line)) return undefined;
        continue;
      }
      block = null;
    }
    if (!ASCII.test(line)) return undefined;
    const ind = /^ */.exec(line)?.[0].length ?? 0;
    const rest = line.slice(ind);
    if (rest === '' || rest.startsWith('#')) continue;
    content = true;
    const isItem = rest === '-' || rest.startsWith('- ');
    const p = pending;
    if (p !== null) {
      pending = null;
      if (ind > p.indent || (ind === p.indent && isItem && p.fromKey)) {
        if (p.role === 'scalar' || (isItem && p.role !== 'other')) return undefined;
        stack.push({ indent: ind, kind: isItem ? 'seq' : 'map', compact: ind === p.indent, role: p.role });
        if (stack.length > MAX_FRAMES) return undefined;
      }
    }
    let top = stack[stack.length - 1];
    while (top !== undefined && (top.indent > ind || (top.indent === ind && top.compact && !isItem))) {
      stack.pop();
      top = stack[stack.length - 1];
    }
    if (top === undefined || top.indent !== ind || top.kind !== (isItem ? 'seq' : 'map')) return undefined;
    if (!isItem) {
      const m = KEY.exec(rest);
      if (m === null) return undefined;
      const v = scalar(rest.slice(m[0].length));
      const role = v && entry(top, m[1] ?? m[2] ?? m[3] ?? '', m[1] !== undefined, v);
      if (v === undefined || role === undefined) return undefined;
      if (v.t === 'none') pending = { indent: top.indent, fromKey: true, role };
      else if (v.t === 'block') block = { parent: top.indent };
      continue;
    }
    if (rest === '-') {
      pending = { indent: ind, fromKey: false, role: 'other' };
      continue;
    }
    const after = rest.slice(2).trimStart();
    const col = ind + (rest.length - after.length);
    if (after === '-' || after.startsWith('- ') || after.startsWith('#')) return undefined;
    const m = KEY.exec(after);
    if (m !== null) {
      const frame: Frame = { indent: col, kind: 'map', compact: false, role: 'other' };
      stack.push(frame);
      if (stack.length > MAX_FRAMES) return undefined;
      const v = scalar(after.slice(m[0].length));
      const role = v && entry(frame, m[1] ?? m[2] ?? m[3] ?? '', m[1] !== undefined, v);
      if (v === undefined || role === undefined) return undefined;
      if (v.t === 'none') pending = { indent: col, fromKey: true, role };
      else if (v.t === 'block') block = { parent: col };
      continue;
    }
    const v = scalar(after);
    if (v === undefined) return undefined;
    if (v.t === 'block') block = { parent: ind };
  }
  if (!content) return undefined;
  return {
    apiVersion: found.apiVersion ?? '',
    kind: found.kind ?? '',
    name: found.name ?? '',
    annotations: found.annotations.size > 0 ? found.annotations : null,
  };
}
