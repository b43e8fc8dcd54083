// YAML text → Kubernetes objects with the source range of every value.
import {
  isAlias,
  isCollection,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseAllDocuments,
  visit,
} from 'yaml';
import type { Document, Node as YamlNode } from 'yaml';
import type { Diagnostic, LoadedFile, LoadedObject, SourceRange } from '../model';
import { formatFieldPath } from '../model';
import { findExcessiveNesting } from './nesting';

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

const CLUSTER_SCOPED = new Set([
  'Namespace',
  'Node',
  'PersistentVolume',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'StorageClass',
  'IngressClass',
  'PriorityClass',
  'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration',
  'APIService',
  'ServiceCIDR',
  'IPAddress',
]);

/** Go-template / Helm markers: such files are not Kubernetes objects until rendered. */
/**
 * The first `{{ … }}` (Go-template / Helm / Jinja marker): two indexOf calls, linear.
 * (A regex /\{\{[\s\S]*?\}\}/ took seconds on a file of `{{{{…` — quadratic.)
 */
function findTemplateMarker(text: string): { index: number; end: number } | null {
  const open = text.indexOf('{{');
  if (open < 0) return null;
  const close = text.indexOf('}}', open + 2);
  return close < 0 ? null : { index: open, end: close + 2 };
}

/** Templated YAML that is not Kubernetes (GitHub Actions `${{ }}`, Ansible/Jinja) is not ours: ignored silently. */
const KUBERNETES_KEYS = [/^[ \t-]*apiVersion[ \t]*:/m, /^[ \t-]*kind[ \t]*:/m];

export function loadYamlFile(
  file: string,
  text: string,
  limits: LoadLimits = DEFAULT_LOAD_LIMITS,
): LoadedFile {
  const result: LoadedFile = { file, objects: [], diagnostics: [] };
  if (text.length > limits.maxFileBytes) {
    result.diagnostics.push({
      range: { file, line: 1, column: 1, endLine: 1, endColumn: 1 },
      severity: 'info',
      code: 'file-too-large',
      message: `skipped: ${text.length} bytes is more than the ${limits.maxFileBytes}-byte limit (setting kubepath.maxFileBytes)`,
    });
    return result;
  }
  // Our own line table: yaml's LineCounter misses the newlines inside the scalars of a
  // broken flow collection, which put later error positions on the wrong line (fuzzing).
  const lineCounter = new LineCounter();
  lineCounter.addNewLine(0);
  for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', nl + 1)) lineCounter.addNewLine(nl + 1);
  const toRange = (from: number, end: number): SourceRange => {
    // yaml reports errors at end of input one character past the text: clamp (found by fuzzing).
    const start = Math.min(Math.max(from, 0), text.length);
    // Block collections end where the next content starts; stop at their last character.
    let last = Math.min(Math.max(start, end), text.length);
    while (last > start && /\s/.test(text.charAt(last - 1))) last--;
    const s = lineCounter.linePos(start);
    const e = lineCounter.linePos(last);
    return { file, line: s.line, column: s.col, endLine: e.line, endColumn: e.col };
  };
  const templated = findTemplateMarker(text);
  if (templated) {
    if (!KUBERNETES_KEYS.every((re) => re.test(text))) return result;
    result.diagnostics.push({
      range: toRange(templated.index, templated.end),
      severity: 'info',
      code: 'template-skipped',
      message:
        'skipped: this file is a Helm/Go/Jinja template ({{ … }}); render it (e.g. helm template) to analyse the result',
    });
    return result;
  }
  const tooDeep = findExcessiveNesting(text, limits.maxNestingDepth);
  if (tooDeep) {
    result.diagnostics.push({
      range: toRange(tooDeep.offset, tooDeep.offset + 1),
      severity: 'warning',
      code: 'yaml-too-deep',
      message: `skipped: YAML nested more than ${limits.maxNestingDepth} levels deep (setting kubepath.maxNestingDepth)`,
    });
    return result;
  }
  // Parsing documents that would then be dropped costs seconds: cut the text after the last one kept.
  let documentCount = 1;
  let parsedText = text;
  const marker = /^---(?=[ \t\r\n]|$)/gm;
  for (let m = marker.exec(text); m; m = marker.exec(text)) {
    if (m.index === 0) continue;
    documentCount++;
    if (documentCount === limits.maxDocuments + 1) parsedText = text.slice(0, m.index);
  }
  let documents: Document.Parsed[];
  try {
    documents = parseAllDocuments(parsedText, {
      prettyErrors: false,
      // Checked below in linear time: yaml's own check compares each key with every
      // earlier one (a 20 MB ConfigMap did not finish in 10 minutes).
      uniqueKeys: false,
      // The engine has no side effects: yaml would call process.emitWarning (e.g. for a
      // collection used as a key), printing to the CLI's stderr and the extension host log.
      logLevel: 'error',
    }) as Document.Parsed[];
  } catch (err) {
    result.diagnostics.push(syntaxDiagnostic(file, 1, 1, err instanceof Error ? err.message : String(err)));
    return result;
  }
  if (!Array.isArray(documents)) documents = [documents];
  if (documents.length > limits.maxDocuments || documentCount > limits.maxDocuments) {
    result.diagnostics.push({
      range: toRange(0, 0),
      severity: 'info',
      code: 'file-too-large',
      message: `only the first ${limits.maxDocuments} of ${Math.max(documentCount, documents.length)} YAML documents are analysed (setting kubepath.maxDocuments)`,
    });
    documents = documents.slice(0, limits.maxDocuments);
  }
  const hasAnchors = parsedText.includes('&');
  documents.forEach((doc, docIndex) => {
    const error = doc.errors[0];
    if (error) {
      // One finding per broken document: later errors are usually echoes of the first.
      result.diagnostics.push({
        range: toRange(error.pos[0], error.pos[1]),
        severity: 'error',
        code: 'yaml-syntax',
        message: `YAML syntax error: ${firstLine(error.message)}`,
      });
      return;
    }
    const badKey = findKeyProblem(doc.contents, doc);
    if (badKey) {
      result.diagnostics.push({
        range: toRange(badKey.at, badKey.end),
        severity: 'error',
        code: 'yaml-syntax',
        message: badKey.message,
      });
      return;
    }
    const recursive = hasAnchors ? findRecursiveAlias(doc) : null;
    if (recursive) {
      result.diagnostics.push({
        range: toRange(recursive.at, recursive.end),
        severity: 'error',
        code: 'yaml-syntax',
        message: recursive.message,
      });
      return;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: limits.maxAliasCount });
    } catch (err) {
      const range = doc.contents ? toRange(doc.contents.range[0], doc.contents.range[1]) : toRange(0, 0);
      result.diagnostics.push({
        range,
        severity: 'error',
        code: 'yaml-syntax',
        message: `YAML error: ${firstLine(err instanceof Error ? err.message : String(err))}${/alias/i.test(String(err)) ? ` (more than ${limits.maxAliasCount} alias expansions; setting kubepath.maxAliasCount)` : ''}`,
      });
      return;
    }
    if (!isPlainObject(value) || !doc.contents) return;
    collectObjects(value, doc.contents, file, docIndex, toRange, result.objects);
  });
  return result;
}

/**
 * An alias inside the node its anchor names (`a: &x {b: [*x]}`): the value would contain
 * itself. Kubernetes' YAML decoder rejects it ("anchor 'x' value contains itself"); yaml's
 * toJS would build a cyclic object that later steps cannot walk (found by fuzzing).
 */
function findRecursiveAlias(doc: Document.Parsed): KeyProblem | null {
  let found: KeyProblem | null = null;
  visit(doc, {
    Alias(_, alias) {
      const target = alias.resolve(doc);
      const [start, end] = alias.range ?? [0, 0];
      if (!target?.range || start < target.range[0] || end > target.range[1]) return undefined;
      found = {
        at: start,
        end,
        message: `YAML error: anchor &${alias.source} contains an alias to itself (*${alias.source}); Kubernetes rejects a value that contains itself`,
      };
      return visit.BREAK;
    },
  });
  return found;
}

interface KeyProblem {
  at: number;
  end: number;
  message: string;
}

/**
 * The first duplicate key (yaml's rule: equal scalar values, or the same node) or list
 * or map used as a key (`? [a]: b`, `[a]: b`, `{ [a] }`), in source order. Kubernetes
 * rejects both; yaml's toJS spent seconds stringifying deep collection keys (fuzzing).
 * One Set per mapping: linear, about as cheap as toJS.
 */
function findKeyProblem(node: unknown, doc: Document.Parsed): KeyProblem | null {
  if (isMap(node)) {
    const seen = new Set<unknown>();
    for (const pair of node.items) {
      const keyNode = pair.key;
      const key = isAlias(keyNode) ? keyNode.resolve(doc) : keyNode;
      const range = isYamlNode(keyNode) ? keyNode.range : undefined;
      const start = range ? range[0] : -1;
      if (isCollection(key) && range) {
        return {
          at: start,
          end: range[1],
          message:
            'YAML error: a mapping key must be a scalar (Kubernetes cannot convert a list or map used as a key to JSON)',
        };
      }
      const identity = isScalar(keyNode) ? keyNode.value : keyNode;
      if (seen.has(identity) && start >= 0) {
        return { at: start, end: start + 1, message: 'YAML syntax error: Map keys must be unique' };
      }
      seen.add(identity);
      const inValue = findKeyProblem(pair.value, doc);
      if (inValue) return inValue;
    }
  } else if (isSeq(node)) {
    for (const item of node.items) {
      const found = findKeyProblem(item, doc);
      if (found) return found;
    }
  }
  return null;
}

function collectObjects(
  value: Record<string, unknown>,
  node: YamlNode,
  file: string,
  docIndex: number,
  toRange: (start: number, end: number) => SourceRange,
  out: LoadedObject[],
): void {
  const apiVersion = value['apiVersion'];
  const kind = value['kind'];
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') return;
  if (kind.endsWith('List') && Array.isArray(value['items'])) {
    const itemsNode = childNode(node, 'items');
    value['items'].forEach((item, i) => {
      const itemNode = itemsNode && isSeq(itemsNode) ? itemsNode.items[i] : undefined;
      if (isPlainObject(item) && itemNode && isYamlNode(itemNode)) {
        collectObjects(item, itemNode, file, docIndex, toRange, out);
      }
    });
    return;
  }
  // Most objects are asked for a handful of ranges (or none): resolve each path on demand.
  const fieldRanges = new FieldRangeIndex(node, toRange);
  const metadata = isPlainObject(value['metadata']) ? value['metadata'] : {};
  const name = typeof metadata['name'] === 'string' ? metadata['name'] : '';
  const namespace = CLUSTER_SCOPED.has(kind)
    ? ''
    : typeof metadata['namespace'] === 'string' && metadata['namespace'] !== ''
      ? metadata['namespace']
      : 'default';
  out.push({
    apiVersion,
    kind,
    namespace,
    name,
    raw: value,
    file,
    docIndex,
    range: toRange(node.range?.[0] ?? 0, node.range?.[1] ?? 0),
    ranges: new FieldRangeMap(fieldRanges, 'value'),
    keyRanges: new FieldRangeMap(fieldRanges, 'key'),
  });
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `formatFieldPath([...segments, key])`, given `path === formatFieldPath(segments)`. */
export function appendFieldPathKey(path: string, key: string): string {
  if (IDENTIFIER.test(key)) return path === '' ? key : `${path}.${key}`;
  return `${path}[${JSON.stringify(key).replace(/^"|"$/g, "'")}]`;
}

type ToRange = (start: number, end: number) => SourceRange;

/**
 * The value and key ranges of one object, by field path, computed from the YAML
 * nodes on demand. A lookup walks only the branch whose formatted path is a prefix
 * of the one asked for, visiting nodes in the order `indexRanges` does, so it finds
 * what the eagerly built maps would hold (the last definition of a path wins).
 * Iterating builds the full maps once.
 */
class FieldRangeIndex {
  private full: { values: Map<string, SourceRange>; keys: Map<string, SourceRange> } | null = null;
  private readonly valueCache = new Map<string, SourceRange | null>();
  private readonly keyCache = new Map<string, SourceRange | null>();

  constructor(
    private readonly root: YamlNode,
    private readonly toRange: ToRange,
  ) {}

  maps(): { values: Map<string, SourceRange>; keys: Map<string, SourceRange> } {
    if (!this.full) {
      const values = new Map<string, SourceRange>();
      const keys = new Map<string, SourceRange>();
      indexRanges(this.root, [], this.toRange, values, keys);
      this.full = { values, keys };
    }
    return this.full;
  }

  value(target: string): SourceRange | undefined {
    if (this.full) return this.full.values.get(target);
    let cached = this.valueCache.get(target);
    if (cached === undefined) {
      cached = this.find(target, false);
      this.valueCache.set(target, cached);
    }
    return cached ?? undefined;
  }

  key(target: string): SourceRange | undefined {
    if (this.full) return this.full.keys.get(target);
    let cached = this.keyCache.get(target);
    if (cached === undefined) {
      cached = this.find(target, true);
      this.keyCache.set(target, cached);
    }
    return cached ?? undefined;
  }

  private find(target: string, wantKey: boolean): SourceRange | null {
    let found: [number, number] | null = null;
    const visit = (node: unknown, path: string): void => {
      if (!isYamlNode(node)) return;
      if (!wantKey && path === target && node.range) found = [node.range[0], node.range[1]];
      // Every path below this node is longer than this node's own.
      if (path.length >= target.length) return;
      if (isMap(node)) {
        for (const pair of node.items) {
          if (!isPair(pair)) continue;
          const key = isScalar(pair.key) ? pair.key.value : undefined;
          if (typeof key !== 'string' && typeof key !== 'number') continue;
          const child = appendFieldPathKey(path, String(key));
          if (!target.startsWith(child)) continue;
          if (child === target && isScalar(pair.key) && pair.key.range) {
            // `key:` with nothing after it: the value range is the key's.
            if (wantKey || pair.value === null) found = [pair.key.range[0], pair.key.range[1]];
          }
          visit(pair.value, child);
        }
      } else if (isSeq(node)) {
        node.items.forEach((item, i) => {
          const child = `${path}[${i}]`;
          if (target.startsWith(child)) visit(item, child);
        });
      }
    };
    visit(this.root, '');
    const range: [number, number] | null = found;
    return range === null ? null : this.toRange(range[0], range[1]);
  }
}

/** Where a FieldRangeMap resolves paths until it is iterated (kept off the instance: plain data to deepEqual). */
const lazyState = new WeakMap<FieldRangeMap, { index: FieldRangeIndex; kind: 'value' | 'key' }>();

/**
 * A Map (values or keys) over a FieldRangeIndex: `get`/`has` resolve one path; size
 * and iteration fill the map once, after which it is an ordinary Map.
 */
class FieldRangeMap extends Map<string, SourceRange> {
  constructor(index: FieldRangeIndex, kind: 'value' | 'key') {
    super();
    lazyState.set(this, { index, kind });
  }

  private fill(): this {
    const state = lazyState.get(this);
    if (state) {
      lazyState.delete(this);
      const maps = state.index.maps();
      for (const [path, range] of state.kind === 'value' ? maps.values : maps.keys) super.set(path, range);
    }
    return this;
  }

  override get(path: string): SourceRange | undefined {
    const state = lazyState.get(this);
    if (!state) return super.get(path);
    return state.kind === 'value' ? state.index.value(path) : state.index.key(path);
  }

  override has(path: string): boolean {
    return this.get(path) !== undefined;
  }

  override get size(): number {
    return lazyState.has(this) ? this.fill().size : super.size;
  }

  override forEach(
    callback: (value: SourceRange, key: string, map: Map<string, SourceRange>) => void,
    thisArg?: unknown,
  ): void {
    this.fill();
    super.forEach(callback, thisArg);
  }

  override entries(): MapIterator<[string, SourceRange]> {
    this.fill();
    return super.entries();
  }

  override keys(): MapIterator<string> {
    this.fill();
    return super.keys();
  }

  override values(): MapIterator<SourceRange> {
    this.fill();
    return super.values();
  }

  override [Symbol.iterator](): MapIterator<[string, SourceRange]> {
    this.fill();
    return super[Symbol.iterator]();
  }

  // Read-only in the model; writes would bypass the lazy lookup.
  override set(): this {
    throw new TypeError('field ranges are read-only');
  }

  override delete(): boolean {
    throw new TypeError('field ranges are read-only');
  }

  override clear(): void {
    throw new TypeError('field ranges are read-only');
  }
}

function indexRanges(
  node: unknown,
  path: (string | number)[],
  toRange: (start: number, end: number) => SourceRange,
  ranges: Map<string, SourceRange>,
  keyRanges: Map<string, SourceRange>,
): void {
  if (!isYamlNode(node)) return;
  if (node.range) ranges.set(formatFieldPath(path), toRange(node.range[0], node.range[1]));
  if (isMap(node)) {
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const key = isScalar(pair.key) ? pair.key.value : undefined;
      if (typeof key !== 'string' && typeof key !== 'number') continue;
      const childPath = [...path, String(key)];
      if (isScalar(pair.key) && pair.key.range) {
        keyRanges.set(formatFieldPath(childPath), toRange(pair.key.range[0], pair.key.range[1]));
      }
      if (pair.value === null && isScalar(pair.key) && pair.key.range) {
        // `key:` with nothing after it: point at the key.
        ranges.set(formatFieldPath(childPath), toRange(pair.key.range[0], pair.key.range[1]));
      }
      indexRanges(pair.value, childPath, toRange, ranges, keyRanges);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => indexRanges(item, [...path, i], toRange, ranges, keyRanges));
  } else if (isAlias(node)) {
    // Aliases keep the range of the `*ref` token; the value lives at the anchor.
  }
}

function childNode(node: YamlNode, key: string): YamlNode | undefined {
  if (!isMap(node)) return undefined;
  for (const pair of node.items) {
    if (isPair(pair) && isScalar(pair.key) && pair.key.value === key && isYamlNode(pair.value))
      return pair.value;
  }
  return undefined;
}

function isYamlNode(value: unknown): value is YamlNode {
  return isMap(value) || isSeq(value) || isScalar(value) || isAlias(value);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}

function syntaxDiagnostic(file: string, line: number, column: number, message: string): Diagnostic {
  return {
    range: { file, line, column, endLine: line, endColumn: column + 1 },
    severity: 'error',
    code: 'yaml-syntax',
    message: `YAML syntax error: ${firstLine(message)}`,
  };
}

/** The range of the value at `path`, or of the nearest enclosing value that exists. */
export function rangeAt(object: LoadedObject, path: readonly (string | number)[]): SourceRange {
  for (let n = path.length; n >= 0; n--) {
    const found = object.ranges.get(formatFieldPath(path.slice(0, n)));
    if (found) return found;
  }
  return object.range;
}

/** The range of the key of the field at `path` (falls back to the value range). */
export function keyRangeAt(object: LoadedObject, path: readonly (string | number)[]): SourceRange {
  return object.keyRanges.get(formatFieldPath(path)) ?? rangeAt(object, path);
}
