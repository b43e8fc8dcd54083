// Editing help for `kubepath.cluster.yaml` from the one schema (profileSchema.ts): what to offer
// at a cursor (the fields valid there, the values a field takes) and what a hover says of the
// field under the cursor (for a node: the labels it effectively carries). Pure: text in, plain
// data out; the front ends word it.
//
// Completion reads the text by indentation and flow brackets, not through the YAML parser: the
// line being typed is usually not valid YAML yet. Hover reads the loader's ranges: what it
// names is a field the loader sees.
import type { SourceRange } from '../model';
import { formatFieldPath, isPlainObject } from '../model';
import { loadClusterProfile } from './profile';
import { profileFieldAt, profileFieldsAt, profileTypeLabel } from './profileSchema';
import type { ProfileField } from './profileSchema';
import { loadYamlFile } from './yamlDocuments';

export interface ProfileCompletion {
  readonly label: string;
  /** A field name, or a value of the field at the cursor. */
  readonly kind: 'field' | 'value';
  /** The field's path as messages write it (`kubeProxy.mode`), its type and default. */
  readonly detail: string;
  /** The schema's description (Markdown: it uses code spans). */
  readonly documentation: string;
  /**
   * What to insert in place of `replace`. Lines after the first are indented relative to the
   * cursor's line (editors add that line's indentation).
   */
  readonly insertText: string;
  /** Offsets [start, end) of the text the item replaces (the word being typed). */
  readonly replace: { readonly start: number; readonly end: number };
  /** True: the field's value has choices, so completion should open again after inserting. */
  readonly retrigger: boolean;
  /** Orders items: required fields first, then the schema's order; the default value first. */
  readonly sortText: string;
}

/** Where a cursor is, in schema terms. */
interface Site {
  /** The mapping the cursor is in (a field path; list items are indexes). */
  readonly path: (string | number)[];
  /** Keys that mapping already has (not offered again). */
  readonly siblings: ReadonlySet<string>;
  /** Present when the cursor is on a value: the key it belongs to. */
  readonly key?: string;
  /** Offset where the word being typed starts. */
  readonly start: number;
  /** The value position needs a space before the value (the cursor is right after `key:`). */
  readonly needsSpace: boolean;
  /** The key being typed is already followed by its colon. */
  readonly hasColon: boolean;
}

interface LineShape {
  readonly blank: boolean;
  readonly documentStart: boolean;
  readonly indent: number;
  readonly dash: boolean;
  /** Where the line's key (or first content after `- `) starts. */
  readonly keyCol: number;
  readonly key: string | undefined;
  /** The text after `key:` (trimmed, comment included). */
  readonly value: string;
}

const BLANK: LineShape = {
  blank: true,
  documentStart: false,
  indent: 0,
  dash: false,
  keyCol: 0,
  key: undefined,
  value: '',
};

function shapeOf(raw: string): LineShape {
  const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  if (/^(?:---|\.\.\.)(?:\s|$)/.test(text)) return { ...BLANK, blank: false, documentStart: true };
  const indent = /^ */.exec(text)?.[0].length ?? 0;
  const body = text.slice(indent);
  if (body === '' || body.startsWith('#')) return BLANK;
  const dash = /^-(?: +|$)/.exec(body);
  const keyCol = indent + (dash ? dash[0].length : 0);
  const m = /^("[^"]*"|'[^']*'|[^\s#'"{[\]},][^:#]*?)\s*:(?=\s|$)/.exec(text.slice(keyCol));
  const key = m ? unquote(m[1] ?? '') : undefined;
  const value = m ? text.slice(keyCol + m[0].length).trim() : '';
  return { blank: false, documentStart: false, indent, dash: dash !== null, keyCol, key, value };
}

function unquote(key: string): string {
  return /^(["']).*\1$/.test(key) ? key.slice(1, -1) : key;
}

/** A value that opens a nested block (nothing, or only a comment, after the colon). */
function opensBlock(shape: LineShape): boolean {
  return shape.value === '' || shape.value.startsWith('#');
}

/**
 * The block mapping holding a key written at column `col` of `lines[lineIndex]`: its path
 * (from the enclosing keys and list items above) and the keys it already has above and
 * below. `itemDash`: the cursor's line starts a list item with its dash at that column.
 */
function blockSite(
  lines: readonly string[],
  lineIndex: number,
  col: number,
  itemDash?: number,
): { path: (string | number)[]; siblings: Set<string> } | undefined {
  const inner: (string | number)[] = [];
  const siblings = new Set<string>();
  let current = col;
  let own = true;
  let seekingList = itemDash !== undefined;
  let items = 0;
  if (itemDash !== undefined) current = itemDash;
  for (let i = lineIndex - 1; i >= 0; i--) {
    const s = shapeOf(lines[i] ?? '');
    if (s.documentStart) break;
    if (s.blank) continue;
    if (seekingList) {
      if (s.dash && s.indent === current) {
        items++;
        continue;
      }
      if (s.indent > current) continue;
      // The key that owns the list: at a lower column, or at the dash's column (`nodes:\n- …`).
      if (s.key === undefined || !opensBlock(s) || (s.keyCol === current && s.dash)) return undefined;
      inner.push(items, s.key);
      items = 0;
      current = s.keyCol;
      seekingList = s.dash;
      if (s.dash) current = s.indent;
      continue;
    }
    if (s.keyCol > current) continue;
    if (s.keyCol === current) {
      if (s.key !== undefined && own) siblings.add(s.key);
      if (s.dash) {
        // The first key of the list item the mapping is.
        own = false;
        seekingList = true;
        current = s.indent;
        items = 0;
      }
      continue;
    }
    if (s.dash && s.key === undefined && s.value === '') {
      // A bare `-` line whose mapping starts on the next line.
      own = false;
      seekingList = true;
      current = s.indent;
      items = 0;
      continue;
    }
    if (s.key === undefined || !opensBlock(s)) return undefined;
    own = false;
    inner.push(s.key);
    current = s.keyCol;
    if (s.dash) {
      seekingList = true;
      current = s.indent;
      items = 0;
    }
  }
  if (seekingList) return undefined;
  // Keys of the same mapping below the cursor.
  for (let j = lineIndex + 1; j < lines.length; j++) {
    const s = shapeOf(lines[j] ?? '');
    if (s.documentStart) break;
    if (s.blank) continue;
    if (s.indent < col) break;
    if (s.keyCol === col && s.key !== undefined && !s.dash) siblings.add(s.key);
  }
  return { path: inner.reverse(), siblings };
}

interface FlowFrame {
  readonly kind: 'map' | 'seq';
  /** The frame's segment in the path (the key or item index that holds it). */
  readonly segment: string | number | undefined;
  readonly keys: Set<string>;
  /** Map: the key whose value is being written; undefined while a key is. */
  pendingKey: string | undefined;
  /** Where the current token starts. */
  tokenStart: number;
  index: number;
}

/**
 * The flow collections open at the end of `text` (from `from`): the innermost first frame
 * last; undefined when the text is inside a quoted string or has no open collection.
 */
function openFlow(text: string, from: number): FlowFrame[] | undefined {
  const stack: FlowFrame[] = [];
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    const top = stack[stack.length - 1];
    if (c === '"' || c === "'") {
      const close = text.indexOf(c, i + 1);
      if (close < 0) return undefined;
      i = close;
      continue;
    }
    if (c === '{' || c === '[') {
      const segment = top ? (top.kind === 'map' ? top.pendingKey : top.index) : undefined;
      stack.push({
        kind: c === '{' ? 'map' : 'seq',
        segment,
        keys: new Set(),
        pendingKey: undefined,
        tokenStart: i + 1,
        index: 0,
      });
    } else if (c === '}' || c === ']') {
      stack.pop();
      const parent = stack[stack.length - 1];
      if (parent) parent.tokenStart = i + 1;
    } else if (c === ',' && top) {
      top.pendingKey = undefined;
      top.index++;
      top.tokenStart = i + 1;
    } else if (c === ':' && top?.kind === 'map' && top.pendingKey === undefined) {
      const next = text[i + 1];
      if (next === undefined || next === ' ' || next === '\t' || next === ',' || next === '}') {
        const key = unquote(text.slice(top.tokenStart, i).trim());
        top.pendingKey = key;
        top.keys.add(key);
        top.tokenStart = i + 1;
      }
    } else if (c === '#' && (i === 0 || text[i - 1] === ' ')) return undefined;
  }
  return stack.length > 0 ? stack : undefined;
}

/**
 * A cursor inside flow collections that open at `from` of the line's text `before` (the
 * cursor's line up to the cursor); `path` is the field the outermost collection is the value of.
 */
function flowSite(
  path: readonly (string | number)[],
  before: string,
  from: number,
  offset: number,
  hasColon: boolean,
): Site | undefined {
  const frames = openFlow(before, from);
  const top = frames?.[frames.length - 1];
  if (!frames || !top || top.kind !== 'map') return undefined;
  const full: (string | number)[] = [...path];
  for (const frame of frames.slice(1)) {
    if (frame.segment === undefined) return undefined;
    full.push(frame.segment);
  }
  const token = before.slice(top.tokenStart);
  if (top.pendingKey === undefined) {
    const typed = /^\s*([\w-]*)$/.exec(token);
    if (!typed) return undefined;
    return {
      path: full,
      siblings: top.keys,
      start: offset - (typed[1]?.length ?? 0),
      needsSpace: false,
      hasColon,
    };
  }
  const typed = /^(\s*)["']?([\w./-]*)$/.exec(token);
  if (!typed) return undefined;
  return {
    path: full,
    siblings: top.keys,
    key: top.pendingKey,
    start: offset - (typed[2]?.length ?? 0),
    needsSpace: token === '',
    hasColon: false,
  };
}

const WORD = /[\w./-]/;

/** Where the cursor at `offset` is, or undefined where nothing is offered (comments, strings, broken nesting). */
function siteAt(text: string, offset: number): Site | undefined {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const lines = text.split('\n');
  const lineIndex = text.slice(0, lineStart).split('\n').length - 1;
  const lineText = (lines[lineIndex] ?? '').replace(/\r$/, '');
  const col = offset - lineStart;
  const before = lineText.slice(0, col);
  const after = lineText.slice(col);
  if (/^(?:---|\.\.\.)/.test(before)) return undefined;
  const hasColon = /^[\w-]*\s*:(?:\s|$)/.test(after);
  // A key being typed on its own line (after `- ` for a new list item).
  const key = /^( *)(?:-( +))?([\w-]*)$/.exec(before);
  if (key) {
    const indent = key[1]?.length ?? 0;
    const prefix = key[3] ?? '';
    const contentCol = col - prefix.length;
    const found =
      key[2] !== undefined
        ? blockSite(lines, lineIndex, contentCol, indent)
        : blockSite(lines, lineIndex, contentCol);
    if (!found) return undefined;
    return { ...found, start: lineStart + contentCol, needsSpace: false, hasColon };
  }
  const shape = shapeOf(lineText);
  if (shape.blank || shape.documentStart) return undefined;
  // `- { name: a, i|`: a list item written as a flow mapping.
  const flowItem = /^( *)-( +)(?=[{[])/.exec(before);
  if (flowItem) {
    const indent = flowItem[1]?.length ?? 0;
    const owner = blockSite(lines, lineIndex, flowItem[0].length, indent);
    return owner && flowSite(owner.path, before, flowItem[0].length, offset, hasColon);
  }
  const lineKey = /^( *)(?:-( +))?("[^"]*"|'[^']*'|[\w./-]+)\s*:/.exec(before);
  if (!lineKey) return undefined;
  const keyCol = (lineKey[1]?.length ?? 0) + (lineKey[2] !== undefined ? 1 + lineKey[2].length : 0);
  const owner =
    lineKey[2] !== undefined
      ? blockSite(lines, lineIndex, keyCol, lineKey[1]?.length ?? 0)
      : blockSite(lines, lineIndex, keyCol);
  if (!owner) return undefined;
  const ownerKey = unquote(lineKey[3] ?? '');
  const rest = before.slice(lineKey[0].length);
  const flowAt = rest.search(/[{[]/);
  if (flowAt >= 0 && /^\s*$/.test(rest.slice(0, flowAt))) {
    // `key: { a: 1, b|` or `key: [{ a: 1 }, { b: |`: inside flow collections on this line.
    return flowSite([...owner.path, ownerKey], before, lineKey[0].length + flowAt, offset, hasColon);
  }
  // `key: val|` on a block line.
  const value = /^(\s*)["']?([\w./-]*)$/.exec(rest);
  if (!value) return undefined;
  return {
    path: owner.path,
    siblings: owner.siblings,
    key: ownerKey,
    start: offset - (value[2]?.length ?? 0),
    needsSpace: rest === '',
    hasColon: false,
  };
}

/** A default written as the value itself (not prose such as "the podCIDR"). */
function literalDefault(field: ProfileField): string | undefined {
  const d = field.default;
  if (d === undefined || field.enum || field.type === 'boolean' || field.type === 'list') return undefined;
  return /^[^\s(]+$/.test(d) ? d : undefined;
}

/** The text that introduces a field's value: scalars go on the line, collections below it. */
function keyInsert(field: ProfileField): string {
  switch (field.type) {
    case 'mapping':
    case 'map':
      return `${field.name}:\n  `;
    case 'list':
      return `${field.name}:\n  - `;
    default:
      return `${field.name}: `;
  }
}

export function describeProfileField(field: ProfileField, path: readonly (string | number)[]): string {
  const parts = [formatFieldPath(path.map((s) => (typeof s === 'number' ? 0 : s))).replace(/\[0\]/g, '[]')];
  parts.push(profileTypeLabel(field));
  if (field.default !== undefined) parts.push(`default ${field.default}`);
  if (field.required) parts.push('required');
  return parts.join(' · ');
}

/**
 * What to offer at `offset` of a `kubepath.cluster.yaml` text: the fields valid in the
 * mapping at the cursor (not those it already has), or after `key:` the values the field
 * takes (enum values, not the ones the schema accepts only with a not-modelled note;
 * booleans; a literal default). Empty where nothing applies (comments, free-form maps,
 * unknown fields).
 */
export function profileCompletions(text: string, offset: number): ProfileCompletion[] {
  const at = Math.max(0, Math.min(offset, text.length));
  const site = siteAt(text, at);
  if (!site) return [];
  let end = at;
  while (end < text.length && WORD.test(text[end] ?? '')) end++;
  const replace = { start: site.start, end };
  if (site.key !== undefined) {
    const path = [...site.path, site.key];
    const field = profileFieldAt(path);
    if (!field) return [];
    const values: { value: string; note: string }[] = [];
    if (field.enum) for (const v of field.enum) values.push({ value: v, note: '' });
    else if (field.type === 'boolean') values.push({ value: 'true', note: '' }, { value: 'false', note: '' });
    else {
      const d = literalDefault(field);
      if (d !== undefined) values.push({ value: d, note: '' });
    }
    const space = site.needsSpace ? ' ' : '';
    return values.map(({ value }, i) => {
      const isDefault = field.default === value;
      return {
        label: value,
        kind: 'value',
        // Short: the list shows it beside the value, the details pane above the description.
        detail: `${formatFieldPath(path).replace(/\[\d+\]/g, '[]')}${isDefault ? ' · default' : ''}`,
        documentation: field.description,
        insertText: `${space}${value}`,
        replace,
        retrigger: false,
        sortText: `${isDefault ? '0' : '1'}${String(i).padStart(3, '0')}`,
      };
    });
  }
  const fields = profileFieldsAt(site.path);
  if (!fields) return [];
  return fields
    .filter((f) => !site.siblings.has(f.name))
    .map((field) => {
      const path = [...site.path, field.name];
      return {
        label: field.name,
        kind: 'field',
        detail: describeProfileField(field, path),
        documentation: field.description,
        insertText: site.hasColon ? field.name : keyInsert(field),
        replace,
        retrigger:
          !site.hasColon &&
          (field.enum !== undefined || field.type === 'boolean' || literalDefault(field) !== undefined),
        sortText: `${field.required ? '0' : '1'}${String(fields.indexOf(field)).padStart(3, '0')}`,
      };
    });
}

/** What a hover in the profile says: the field under the cursor and, in a node, that node. */
export interface ProfileHover {
  /** The key or value hovered (1-based lines and columns). */
  readonly range: SourceRange;
  /** The field path as messages write it (`nodes[0].zone`). */
  readonly path: string;
  readonly field: ProfileField;
  /** `describeProfileField` of the field. */
  readonly summary: string;
  /** The values the field takes, and those accepted only with a note (value → note). */
  readonly values: readonly string[];
  readonly notModelled: Readonly<Record<string, string>>;
  /** The value written, when the hover is on it (or on its key). */
  readonly written?: unknown;
  /** The node the cursor is in: its labels as the scheduler sees them (kubelet's, zone/region, the profile's). */
  readonly node?: {
    readonly name: string;
    readonly ips: readonly string[];
    readonly podCIDRs: readonly string[];
    readonly labels: Readonly<Record<string, string>>;
  };
}

function contains(range: SourceRange, line: number, column: number): boolean {
  const afterStart = line > range.line || (line === range.line && column >= range.column);
  const beforeEnd = line < range.endLine || (line === range.endLine && column < range.endColumn);
  return afterStart && beforeEnd;
}

/** Spans from the smallest: a key beats the mapping value around it. */
function size(range: SourceRange): number {
  return (range.endLine - range.line) * 100_000 + (range.endColumn - range.column);
}

/**
 * The hover at 1-based `line`/`column` of a `kubepath.cluster.yaml` text: the innermost key or
 * value under the cursor whose field the schema knows (a free-form key, such as a label,
 * answers for its map), or null.
 */
export function profileHoverAt(
  file: string,
  text: string,
  line: number,
  column: number,
): ProfileHover | null {
  const object = loadYamlFile(file, text).objects.find((o) => o.kind === 'ClusterProfile');
  if (!object) return null;
  let best: { path: (string | number)[]; range: SourceRange } | undefined;
  const consider = (path: (string | number)[], range: SourceRange | undefined): void => {
    if (!range || !contains(range, line, column)) return;
    if (!best || size(range) < size(best.range)) best = { path, range };
  };
  const walk = (value: unknown, path: (string | number)[]): void => {
    const entries: [string | number, unknown][] = Array.isArray(value)
      ? value.map((v, i) => [i, v])
      : isPlainObject(value)
        ? Object.entries(value)
        : [];
    for (const [segment, child] of entries) {
      const childPath = [...path, segment];
      const name = formatFieldPath(childPath);
      consider(childPath, object.keyRanges.get(name));
      if (!Array.isArray(child) && !isPlainObject(child)) consider(childPath, object.ranges.get(name));
      walk(child, childPath);
    }
  };
  walk(object.raw, []);
  if (!best) return null;
  const hovered = best;
  // A free-form key (a label) or a list item answers for the field that holds it.
  let path = hovered.path;
  let field = typeof path[path.length - 1] === 'string' ? profileFieldAt(path) : undefined;
  while (!field && path.length > 1) {
    path = path.slice(0, -1);
    field = typeof path[path.length - 1] === 'string' ? profileFieldAt(path) : undefined;
  }
  if (!field) return null;
  let written: unknown = object.raw;
  for (const segment of path) {
    written = Array.isArray(written)
      ? written[segment as number]
      : isPlainObject(written)
        ? written[segment as string]
        : undefined;
  }
  const out: ProfileHover = {
    range: hovered.range,
    path: formatFieldPath(path),
    field,
    summary: describeProfileField(field, path),
    values: field.enum ?? [],
    notModelled: field.notModelled ?? {},
    ...(written !== undefined && !isPlainObject(written) && !Array.isArray(written) ? { written } : {}),
  };
  const nodeIndex = path[0] === 'nodes' ? path[1] : undefined;
  if (typeof nodeIndex !== 'number') return out;
  const nodes = object.raw['nodes'];
  const entry = Array.isArray(nodes) ? (nodes[nodeIndex] as unknown) : undefined;
  const name = isPlainObject(entry) ? entry['name'] : undefined;
  if (typeof name !== 'string') return out;
  const node = loadClusterProfile(file, text).profile.nodes.find((n) => n.name === name);
  if (!node) return out;
  return {
    ...out,
    node: {
      name: node.name,
      ips: [...node.ips],
      podCIDRs: node.podCIDRs ? [...node.podCIDRs] : node.podCIDR ? [node.podCIDR] : [],
      labels: { ...node.labels },
    },
  };
}
