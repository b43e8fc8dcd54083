// YAML text → Kubernetes objects with the source range of every value.
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseAllDocuments, visit } from 'yaml';
import type { Document, Pair, Node as YamlNode } from 'yaml';
import type { Diagnostic, LoadedFile, LoadedObject, SourceRange } from '../model';
import { isKustomizationPath, isPlainObject, rangeAt } from '../model';
import { metadataProblem } from './metadataOnly';
import { findExcessiveNesting } from './nesting';
import { findForbiddenCharacter, recoverMisreadUtf16, stripLineStartBoms } from './encoding';
import { loadJsonStream } from './jsonFiles';
import { toGoJson } from './goJson';
import { goJsonKey, goYamlV2Tags } from './goYamlScalars';
import { templateMarker } from './templates';
import { parseWithGoYamlQuotes } from './quotedScalars';
import { DEFAULT_LOAD_LIMITS } from '../model/limits';
import { parseAllDocumentsFrom } from '../render/yamlTokens';
import type { YamlTokens } from '../render/yamlTokens';
import type { LoadLimits } from '../model/limits';

export { DEFAULT_LOAD_LIMITS };
export type { LoadLimits };

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

/** `tokens`: syntax trees kept for other readers of the same text (see render/yamlTokens). */
export function loadYamlFile(
  file: string,
  input: string,
  limits: LoadLimits = DEFAULT_LOAD_LIMITS,
  tokens?: YamlTokens,
): LoadedFile {
  const result: LoadedFile = { file, objects: [], diagnostics: [] };
  if (input.length > limits.maxFileBytes) {
    result.diagnostics.push({
      range: { file, line: 1, column: 1, endLine: 1, endColumn: 1 },
      severity: 'error',
      code: 'file-too-large',
      message: `skipped: ${input.length} bytes is more than the ${limits.maxFileBytes}-byte limit (setting kubepath.maxFileBytes)`,
    });
    return result;
  }
  // A UTF-16 file read as UTF-8: its text when nothing was lost. kubectl's document
  // splitter reads bytes as UTF-8, so go-yaml gets the whole file and decodes only its
  // first document.
  const utf16 = recoverMisreadUtf16(input);
  if (utf16 && 'lost' in utf16) {
    result.diagnostics.push({
      range: { file, line: 1, column: 1, endLine: 1, endColumn: 1 },
      severity: 'error',
      code: 'yaml-encoding',
      message: `this file is ${utf16.lost} (it starts with a byte-order mark) but was read as UTF-8, and some of its characters are not ASCII and did not survive: save it as UTF-8 to analyse it`,
    });
    return result;
  }
  const firstDocumentOnly = utf16 !== null;
  // A byte-order mark that starts the file is no character of its text (editors hide it):
  // dropped without moving positions. Marks at later line starts are mapped back below.
  const decoded = utf16 ? utf16.text : input;
  const unstripped = decoded.charCodeAt(0) === 0xfeff ? decoded.slice(1) : decoded;
  // Byte-order marks at line starts (go-yaml skips them): removed, positions mapped back.
  const { text, removed } = stripLineStartBoms(unstripped);
  // Our own line table: yaml's LineCounter misses the newlines inside the scalars of a
  // broken flow collection, which put later error positions on the wrong line (fuzzing).
  const lineCounter = new LineCounter();
  lineCounter.addNewLine(0);
  for (let nl = unstripped.indexOf('\n'); nl >= 0; nl = unstripped.indexOf('\n', nl + 1))
    lineCounter.addNewLine(nl + 1);
  const unstrip = (at: number): number => {
    if (removed.length === 0) return at;
    let lo = 0;
    let hi = removed.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((removed[mid] as number) <= at) lo = mid + 1;
      else hi = mid;
    }
    return at + lo;
  };
  // The text yaml parsed, and its offsets mapped to `text`'s: they differ only when
  // quoted scalars were re-indented to read them as go-yaml does (quotedScalars.ts).
  let parsedSource = text;
  let toText = (at: number): number => at;
  const toRange = (from: number, end: number): SourceRange => {
    // yaml reports errors at end of input one character past the text: clamp (found by fuzzing).
    const start = Math.min(Math.max(from, 0), parsedSource.length);
    // Block collections end where the next content starts; stop at their last character.
    let last = Math.min(Math.max(start, end), parsedSource.length);
    while (last > start && /\s/.test(parsedSource.charAt(last - 1))) last--;
    const s = lineCounter.linePos(unstrip(toText(start)));
    const e = lineCounter.linePos(last === start ? unstrip(toText(start)) : unstrip(toText(last - 1)) + 1);
    return { file, line: s.line, column: s.col, endLine: e.line, endColumn: e.col };
  };
  const templated = findTemplateMarker(text);
  if (templated && !KUBERNETES_KEYS.every((re) => re.test(text))) return result;
  const skipTemplate = (at: number): LoadedFile => {
    const close = text.indexOf('}}', at + 2);
    result.diagnostics.push({
      range: toRange(at, close < 0 ? at + 2 : close + 2),
      severity: 'info',
      code: 'template-skipped',
      message:
        'skipped: this file is a Helm/Go/Jinja template ({{ … }}); render it (e.g. helm template) to analyse the result',
    });
    return result;
  };
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
  const options = {
    prettyErrors: false,
    // Duplicates are found by the converter in linear time: yaml's own check compares
    // each key with every earlier one (a 20 MB ConfigMap did not finish in 10 minutes).
    uniqueKeys: false,
    // The engine has no side effects: yaml would call process.emitWarning (e.g. for a
    // collection used as a key), printing to the CLI's stderr and the extension host log.
    logLevel: 'error',
    // go-yaml v2's plain-scalar resolution (YAML 1.1 booleans, Go integer syntax).
    customTags: goYamlV2Tags,
  } as const;
  const parse = (source: string): Document.Parsed[] => {
    const parsed = parseAllDocuments(source, options) as Document.Parsed[] | Document.Parsed;
    return Array.isArray(parsed) ? parsed : [parsed];
  };
  // Each unit: a parsed document and the offset of its source in `text`.
  let units: { doc: Document.Parsed; base: number }[];
  let documentCount = 1;
  let parsedText = text;
  const json = !templated && JSON_START.test(text) ? loadJsonStream(text, file, parse) : null;
  try {
    if (json) {
      units = json.units;
      if (json.diagnostic)
        result.diagnostics.push({ ...json.diagnostic, range: toRange(json.at, json.at + 1) });
    } else {
      // Parsing documents that would then be dropped costs seconds: cut the text after the last one kept.
      const marker = /^---(?=[ \t\r\n]|$)/gm;
      for (let m = marker.exec(text); m; m = marker.exec(text)) {
        if (m.index === 0) continue;
        documentCount++;
        if (documentCount === limits.maxDocuments + 1) parsedText = text.slice(0, m.index);
      }
      // The file's own text: its tokens may be kept for (or by) another reader.
      let docs = tokens ? parseAllDocumentsFrom(parsedText, options, tokens).docs : parse(parsedText);
      const lenient = parseWithGoYamlQuotes(parsedText, docs, parse);
      if (lenient) {
        docs = lenient.docs;
        parsedText = lenient.text;
        parsedSource = lenient.text;
        toText = lenient.toOriginal;
      }
      units = docs.map((doc) => ({ doc, base: 0 }));
      for (const bad of invalidSeparators(parsedText)) {
        result.diagnostics.push({
          range: toRange(bad.at, bad.end),
          severity: 'error',
          code: 'yaml-syntax',
          message: `error parsing ${file}: invalid Yaml document separator: ${bad.rest} (kubectl allows only a comment after ---, and stops reading the file here)`,
        });
      }
    }
  } catch (err) {
    if (templated) return skipTemplate(templated.index);
    result.diagnostics.push(syntaxDiagnostic(file, 1, 1, err instanceof Error ? err.message : String(err)));
    return result;
  }
  if (templated && !json) {
    // Rendered YAML may carry template text as data (dashboards, alert rules): only markers
    // that are YAML syntax, break the parse or sit in modelled fields make a template.
    const at = templateMarker(
      parsedText,
      units.map((u) => u.doc),
    );
    if (at !== null) return skipTemplate(at);
  }
  if (units.length > limits.maxDocuments || documentCount > limits.maxDocuments) {
    result.diagnostics.push({
      range: toRange(0, 0),
      severity: 'info',
      code: 'file-too-large',
      message: `only the first ${limits.maxDocuments} of ${Math.max(documentCount, units.length)} YAML documents are analysed (setting kubepath.maxDocuments)`,
    });
    units = units.slice(0, limits.maxDocuments);
  }
  const hasAnchors = parsedText.includes('&');
  // Characters go-yaml refuses (NUL, C0/C1 controls, invalid UTF-8 marks): the document
  // that holds one does not decode. Usually none: one regex scan of the text.
  let forbidden = findForbiddenCharacter(parsedText, 0);
  units.forEach(({ doc, base }, docIndex) => {
    const at =
      base === 0 ? toRange : (from: number, end: number): SourceRange => toRange(from + base, end + base);
    const docStart = base + (doc.range[0] ?? 0);
    const docEnd = base + (doc.range[2] ?? doc.range[1] ?? 0);
    while (forbidden && forbidden.index < docStart) forbidden = findForbiddenCharacter(parsedText, docStart);
    if (forbidden && forbidden.index < docEnd) {
      result.diagnostics.push({
        range: toRange(forbidden.index, forbidden.index + 1),
        severity: 'error',
        code: 'yaml-syntax',
        message: `error converting YAML to JSON: ${forbidden.message}`,
      });
      forbidden = findForbiddenCharacter(parsedText, docEnd);
      return;
    }
    if (firstDocumentOnly && docIndex > 0) {
      if (doc.contents !== null) {
        result.diagnostics.push({
          range: at(doc.contents.range[0], doc.contents.range[0] + 1),
          severity: 'warning',
          code: 'yaml-encoding',
          message: `ignored: kubectl applies only the first document of a ${utf16?.encoding ?? 'UTF-16'} file (it splits documents on UTF-8 "---" lines, so go-yaml reads the whole file and decodes its first document)`,
        });
      }
      return;
    }
    const error = doc.errors[0];
    if (error) {
      // One finding per broken document: later errors are usually echoes of the first.
      result.diagnostics.push({
        range: at(error.pos[0], error.pos[1]),
        severity: 'error',
        code: 'yaml-syntax',
        message: `YAML syntax error: ${firstLine(error.message)}`,
      });
      return;
    }
    const recursive = hasAnchors ? findRecursiveAlias(doc) : null;
    if (recursive) {
      result.diagnostics.push({
        range: at(recursive.at, recursive.end),
        severity: 'error',
        code: 'yaml-syntax',
        message: recursive.message,
      });
      return;
    }
    // One walk: Kubernetes' JSON value of the document (go-yaml v2 semantics).
    const converted = toGoJson(doc.contents, doc, limits.maxAliasCount);
    for (const duplicate of converted.duplicates) {
      result.diagnostics.push({
        range: at(duplicate.at, duplicate.end),
        severity: 'warning',
        code: 'yaml-duplicate-key',
        message: duplicate.message,
      });
    }
    if (converted.problem) {
      const problem = converted.problem;
      result.diagnostics.push({
        range: at(problem.at, problem.end),
        severity: 'error',
        code: 'yaml-syntax',
        message: problem.message,
      });
      return;
    }
    const value = converted.value;
    if (!doc.contents) return;
    if (Array.isArray(value) && value.some(isKubernetesObject)) {
      // kubectl decodes each document as one object (a List is an object with items).
      result.diagnostics.push({
        range: at(doc.contents.range[0], doc.contents.range[0] + 1),
        severity: 'error',
        code: 'yaml-syntax',
        message: `unable to decode ${JSON.stringify(file)}: json: cannot unmarshal array into Go value of type unstructured.detector (a top-level list is not applied; write one object per document, or a kind: List with items)`,
      });
      return;
    }
    if (!isPlainObject(value)) return;
    if (docIndex === 0 && isKustomizationPath(file)) result.kustomization = value;
    // The objects keep the range tree, not the YAML nodes.
    collectObjects(value, new RangeTree(doc.contents), 0, file, docIndex, at, result);
  });
  return result;
}

const JSON_START = /^\s*\{/;

/**
 * Lines kubectl's document splitter (apimachinery util/yaml YAMLReader) refuses: `---` at
 * the start of a line followed by anything but spaces and a comment (`--- {a: 1}`, `----`).
 */
function invalidSeparators(text: string): { at: number; end: number; rest: string }[] {
  const out: { at: number; end: number; rest: string }[] = [];
  const line = /^---(.*)$/gm;
  for (let m = line.exec(text); m; m = line.exec(text)) {
    const rest = (m[1] ?? '').trim();
    if (rest !== '' && !rest.startsWith('#')) out.push({ at: m.index, end: m.index + m[0].length, rest });
  }
  return out;
}

function isKubernetesObject(value: unknown): boolean {
  return isPlainObject(value) && typeof value['apiVersion'] === 'string' && typeof value['kind'] === 'string';
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

/** An object's apiVersion, kind, name and namespace as the loader reads them (`default` when unset). */
export function objectIdentity(
  value: Record<string, unknown>,
  apiVersion: string,
  kind: string,
): Pick<LoadedObject, 'apiVersion' | 'kind' | 'namespace' | 'name'> {
  const metadata = isPlainObject(value['metadata']) ? value['metadata'] : {};
  const name = typeof metadata['name'] === 'string' ? metadata['name'] : '';
  const namespace = CLUSTER_SCOPED.has(kind)
    ? ''
    : typeof metadata['namespace'] === 'string' && metadata['namespace'] !== ''
      ? metadata['namespace']
      : 'default';
  return { apiVersion, kind, namespace, name };
}

function collectObjects(
  value: Record<string, unknown>,
  tree: RangeTree,
  node: number,
  file: string,
  docIndex: number,
  toRange: (start: number, end: number) => SourceRange,
  out: LoadedFile,
): void {
  const apiVersion = value['apiVersion'];
  const kind = value['kind'];
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') return;
  // kubectl's unstructured decoder takes any object with `items` for a list (helpers.go
  // decode: a non-null items field) and applies each item: not only kinds named *List.
  if (Array.isArray(value['items'])) {
    const itemsNode = tree.childByKey(node, 'items');
    const [from, to] = itemsNode >= 0 && tree.kind(itemsNode) === SEQ ? tree.entriesOf(itemsNode) : [0, 0];
    value['items'].forEach((item, i) => {
      const itemNode = from + i < to ? tree.child(from + i) : -1;
      if (isPlainObject(item) && itemNode >= 0) {
        collectObjects(item, tree, itemNode, file, docIndex, toRange, out);
      }
    });
    return;
  }
  // Most objects are asked for a handful of ranges (or none): resolve each path on demand.
  const fieldRanges = new FieldRangeIndex(tree, node, toRange);
  // A literal of one shape (a spread made objects that the reconcile's loops over every
  // object read four times slower).
  const id = objectIdentity(value, apiVersion, kind);
  const object: LoadedObject = {
    apiVersion: id.apiVersion,
    kind: id.kind,
    namespace: id.namespace,
    name: id.name,
    raw: value,
    file,
    docIndex,
    range: toRange(tree.range(node)?.[0] ?? 0, tree.range(node)?.[1] ?? 0),
    ranges: new FieldRangeMap(fieldRanges, 'value'),
    keyRanges: new FieldRangeMap(fieldRanges, 'key'),
  };
  out.objects.push(object);
  // kubectl refuses an object whose metadata does not decode (still modelled here).
  const problem = metadataProblem(value);
  if (problem) {
    out.diagnostics.push({
      range: rangeAt(object, problem.at),
      severity: 'error',
      code: 'object-invalid',
      message: `unable to decode ${JSON.stringify(file)}: ${problem.message}`,
    });
  }
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `formatFieldPath([...segments, key])`, given `path === formatFieldPath(segments)`. */
export function appendFieldPathKey(path: string, key: string): string {
  if (IDENTIFIER.test(key)) return path === '' ? key : `${path}.${key}`;
  return `${path}[${JSON.stringify(key).replace(/^"|"$/g, "'")}]`;
}

type ToRange = (start: number, end: number) => SourceRange;

/**
 * What field ranges need of a document's YAML nodes, flat, so the nodes themselves (many
 * small objects per line of YAML) need not be kept for the life of the analysis: per
 * node its kind and [start, end) offsets, per map pair (with a string or number key) the
 * key's text and offsets and the value's node, per sequence item its node. Nodes are
 * numbered in document order; -1 is "no node" (a key without value, an item that is not
 * a node). Lookups walk it exactly as they walked the nodes.
 */
export class RangeTree {
  /** Per node: kind, start, end (-1: no range), first entry, entry count. */
  private readonly nodes: Int32Array;
  /** Per entry: key start, key end (-1: none), value node, 1 when the key is a string. */
  private readonly entries: Int32Array;
  /** Per entry: the key as a path segment (String of the key); null for sequence items. */
  private readonly keys: (string | null)[];
  /** Per entry: 0 unknown, 1 identifier, 2 not (filled on demand). */
  private identifiers: Int8Array | null = null;

  constructor(root: unknown) {
    const nodes: number[] = [];
    const entries: number[] = [];
    const keys: (string | null)[] = [];
    const add = (node: unknown): number => {
      if (!isYamlNode(node)) return -1;
      const index = nodes.length / NODE_FIELDS;
      const range = node.range;
      const first = keys.length;
      if (isMap(node)) {
        nodes.push(MAP, range ? range[0] : -1, range ? range[1] : -1, first, 0);
        // This node's entries first (consecutive), then its children (numbered after it).
        const items = node.items;
        for (let i = 0; i < items.length; i++) {
          const pair = items[i];
          const key = pair && isPair(pair) ? rangeKey(pair.key) : null;
          if (key === null) continue;
          const keyRange = (pair as Pair).key as YamlNode;
          keys.push(key.name);
          entries.push(
            keyRange.range ? keyRange.range[0] : -1,
            keyRange.range ? keyRange.range[1] : -1,
            -1,
            key.string ? 1 : 0,
          );
        }
        const count = keys.length - first;
        nodes[index * NODE_FIELDS + 4] = count;
        let e = first;
        for (let i = 0; i < items.length; i++) {
          const pair = items[i];
          if (!pair || !isPair(pair) || rangeKey(pair.key) === null) continue;
          entries[e * ENTRY_FIELDS + 2] = add(pair.value);
          e++;
        }
      } else if (isSeq(node)) {
        const items = node.items;
        nodes.push(SEQ, range ? range[0] : -1, range ? range[1] : -1, first, items.length);
        for (let i = 0; i < items.length; i++) {
          keys.push(null);
          entries.push(-1, -1, -1, 0);
        }
        for (let i = 0; i < items.length; i++) entries[(first + i) * ENTRY_FIELDS + 2] = add(items[i]);
      } else {
        nodes.push(LEAF, range ? range[0] : -1, range ? range[1] : -1, first, 0);
      }
      return index;
    };
    add(root);
    this.nodes = Int32Array.from(nodes);
    this.entries = Int32Array.from(entries);
    this.keys = keys;
  }

  kind(node: number): number {
    return this.nodes[node * NODE_FIELDS] as number;
  }

  /** [start, end) of a node, or null when it has no range. */
  range(node: number): [number, number] | null {
    const start = this.nodes[node * NODE_FIELDS + 1] as number;
    return start < 0 ? null : [start, this.nodes[node * NODE_FIELDS + 2] as number];
  }

  /** Entries of a node: [first, first + count). */
  entriesOf(node: number): [number, number] {
    const first = this.nodes[node * NODE_FIELDS + 3] as number;
    return [first, first + (this.nodes[node * NODE_FIELDS + 4] as number)];
  }

  key(entry: number): string | null {
    return this.keys[entry] ?? null;
  }

  /** Whether a map key is written bare in a field path (`a.key`), not quoted (`a['k.y']`); cached. */
  isIdentifier(entry: number): boolean {
    this.identifiers ??= new Int8Array(this.keys.length);
    let known = this.identifiers[entry] as number;
    if (known === 0) {
      known = IDENTIFIER.test(this.keys[entry] ?? '') ? 1 : 2;
      this.identifiers[entry] = known;
    }
    return known === 1;
  }

  keyRange(entry: number): [number, number] | null {
    const start = this.entries[entry * ENTRY_FIELDS] as number;
    return start < 0 ? null : [start, this.entries[entry * ENTRY_FIELDS + 1] as number];
  }

  child(entry: number): number {
    return this.entries[entry * ENTRY_FIELDS + 2] as number;
  }

  /** The value node of the first pair keyed `key` (a string, not a number) whose value is a node, or -1. */
  childByKey(node: number, key: string): number {
    if (this.kind(node) !== MAP) return -1;
    const [from, to] = this.entriesOf(node);
    for (let e = from; e < to; e++) {
      if (this.keys[e] === key && this.entries[e * ENTRY_FIELDS + 3] === 1 && this.child(e) >= 0) {
        return this.child(e);
      }
    }
    return -1;
  }
}

/**
 * A scalar key's path segment: the JSON key Kubernetes makes of it (`on:` → "true"), and
 * whether it was a string (a number key is not found by `childByKey`). null: not a scalar.
 */
function rangeKey(key: unknown): { name: string; string: boolean } | null {
  if (!isScalar(key)) return null;
  const value: unknown = key.value;
  if (typeof value === 'string') return { name: value, string: true };
  const name = goJsonKey(value, key.type === 'PLAIN' && key.tag === undefined ? String(key.source) : null);
  return name === null ? null : { name, string: false };
}

const NODE_FIELDS = 5;
const ENTRY_FIELDS = 4;
const LEAF = 0;
const MAP = 1;
const SEQ = 2;

/**
 * The value and key ranges of one object, by field path, computed from its document's
 * range tree on demand. A lookup walks only the branch whose formatted path is a prefix
 * of the one asked for, visiting nodes in the order `indexRanges` does, so it finds
 * what the eagerly built maps would hold (the last definition of a path wins).
 * Iterating builds the full maps once.
 */
class FieldRangeIndex {
  private full: { values: Map<string, SourceRange>; keys: Map<string, SourceRange> } | null = null;
  private valueCache: Map<string, SourceRange | null> | null = null;
  private keyCache: Map<string, SourceRange | null> | null = null;

  constructor(
    private readonly tree: RangeTree,
    private readonly root: number,
    private readonly toRange: ToRange,
  ) {}

  maps(): { values: Map<string, SourceRange>; keys: Map<string, SourceRange> } {
    if (!this.full) {
      const values = new Map<string, SourceRange>();
      const keys = new Map<string, SourceRange>();
      const toRange = this.toRange;
      walkRanges(
        this.tree,
        this.root,
        '',
        (path, start, end) => values.set(path, toRange(start, end)),
        (path, start, end) => keys.set(path, toRange(start, end)),
      );
      this.full = { values, keys };
    }
    return this.full;
  }

  /** The paths that have a value range and those that have a key range (no ranges made). */
  paths(): { values: ReadonlySet<string>; keys: ReadonlySet<string> } {
    if (this.full) return { values: new Set(this.full.values.keys()), keys: new Set(this.full.keys.keys()) };
    const values = new Set<string>();
    const keys = new Set<string>();
    walkRanges(
      this.tree,
      this.root,
      '',
      (path) => values.add(path),
      (path) => keys.add(path),
    );
    return { values, keys };
  }

  value(target: string): SourceRange | undefined {
    if (this.full) return this.full.values.get(target);
    this.valueCache ??= new Map();
    let cached = this.valueCache.get(target);
    if (cached === undefined) {
      cached = this.find(target, false);
      this.valueCache.set(target, cached);
    }
    return cached ?? undefined;
  }

  key(target: string): SourceRange | undefined {
    if (this.full) return this.full.keys.get(target);
    this.keyCache ??= new Map();
    let cached = this.keyCache.get(target);
    if (cached === undefined) {
      cached = this.find(target, true);
      this.keyCache.set(target, cached);
    }
    return cached ?? undefined;
  }

  private find(target: string, wantKey: boolean): SourceRange | null {
    const tree = this.tree;
    let found: [number, number] | null = null;
    // Visits the entries whose path is a prefix of the target, as building each child's
    // path and testing `target.startsWith` would, without building the others' paths.
    const visit = (node: number, path: string): void => {
      if (node < 0) return;
      if (!wantKey && path === target) found = tree.range(node) ?? found;
      // Every path below this node is longer than this node's own.
      if (path.length >= target.length) return;
      const kind = tree.kind(node);
      const [from, to] = tree.entriesOf(node);
      const at = path.length;
      const next = target.charCodeAt(at);
      if (kind === MAP) {
        for (let e = from; e < to; e++) {
          const key = tree.key(e) as string;
          let child: string | null = null;
          if (tree.isIdentifier(e)) {
            if (at === 0) {
              if (target.startsWith(key)) child = key;
            } else if (next === DOT && target.startsWith(key, at + 1)) {
              child = `${path}.${key}`;
            }
          } else if (next === OPEN_BRACKET) {
            const quoted = appendFieldPathKey(path, key);
            if (target.startsWith(quoted)) child = quoted;
          }
          if (child === null) continue;
          const keyRange = tree.keyRange(e);
          if (child === target && keyRange) {
            // `key:` with nothing after it: the value range is the key's.
            if (wantKey || tree.child(e) < 0) found = keyRange;
          }
          visit(tree.child(e), child);
        }
      } else if (kind === SEQ && next === OPEN_BRACKET) {
        // Only `[i]` with i written as `${i}` (no sign, no leading zero) is an item's path.
        const close = target.indexOf(']', at);
        const digits = close < 0 ? '' : target.slice(at + 1, close);
        const i = /^\d+$/.test(digits) ? Number(digits) : -1;
        if (i >= 0 && String(i) === digits && from + i < to)
          visit(tree.child(from + i), target.slice(0, close + 1));
      }
    };
    visit(this.root, '');
    const range: [number, number] | null = found;
    return range === null ? null : this.toRange(range[0], range[1]);
  }
}

const DOT = 46;
const OPEN_BRACKET = 91;

/**
 * A Map (values or keys) over a FieldRangeIndex: `get`/`has` resolve one path; size
 * and iteration fill the map once, after which it is an ordinary Map. The index is a
 * private field (not a property: deepEqual sees plain map data).
 */
class FieldRangeMap extends Map<string, SourceRange> {
  #index: FieldRangeIndex | null;
  readonly #kind: 'value' | 'key';

  constructor(index: FieldRangeIndex, kind: 'value' | 'key') {
    super();
    this.#index = index;
    this.#kind = kind;
  }

  private fill(): this {
    const index = this.#index;
    if (index) {
      this.#index = null;
      const maps = index.maps();
      for (const [path, range] of this.#kind === 'value' ? maps.values : maps.keys) super.set(path, range);
    }
    return this;
  }

  override get(path: string): SourceRange | undefined {
    const index = this.#index;
    if (!index) return super.get(path);
    return this.#kind === 'value' ? index.value(path) : index.key(path);
  }

  override has(path: string): boolean {
    return this.get(path) !== undefined;
  }

  override get size(): number {
    return this.#index ? this.fill().size : super.size;
  }

  /** The paths it has a range for, without making the ranges (see fieldRangePaths). */
  paths(): ReadonlySet<string> {
    const index = this.#index;
    if (!index) return new Set(super.keys());
    const both = index.paths();
    return this.#kind === 'value' ? both.values : both.keys;
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

/**
 * Every field path of a node's subtree with a value or key range, in document order (a
 * later definition of a path comes later): `value(path, start, end)` for a node's range, or
 * a bare `key:`'s; `key(path, start, end)` for a map key's.
 */
function walkRanges(
  tree: RangeTree,
  node: number,
  path: string,
  value: (path: string, start: number, end: number) => void,
  key: (path: string, start: number, end: number) => void,
): void {
  if (node < 0) return;
  const range = tree.range(node);
  if (range) value(path, range[0], range[1]);
  const [from, to] = tree.entriesOf(node);
  const kind = tree.kind(node);
  if (kind === MAP) {
    for (let e = from; e < to; e++) {
      const name = tree.key(e) as string;
      const childPath = tree.isIdentifier(e)
        ? path === ''
          ? name
          : `${path}.${name}`
        : appendFieldPathKey(path, name);
      const keyRange = tree.keyRange(e);
      if (keyRange) key(childPath, keyRange[0], keyRange[1]);
      // `key:` with nothing after it: point at the key.
      if (tree.child(e) < 0 && keyRange) value(childPath, keyRange[0], keyRange[1]);
      walkRanges(tree, tree.child(e), childPath, value, key);
    }
  } else if (kind === SEQ) {
    for (let e = from; e < to; e++) walkRanges(tree, tree.child(e), `${path}[${e - from}]`, value, key);
  }
  // Aliases keep the range of the `*ref` token; the value lives at the anchor.
}

function isYamlNode(value: unknown): value is YamlNode {
  return isMap(value) || isSeq(value) || isScalar(value) || isAlias(value);
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

/**
 * The paths a LoadedObject's ranges (or keyRanges) hold, as a set: for a reader that only
 * asks which fields have a place (the render stage's loader replaces every range).
 */
export function fieldRangePaths(ranges: ReadonlyMap<string, SourceRange>): ReadonlySet<string> {
  return ranges instanceof FieldRangeMap ? ranges.paths() : new Set(ranges.keys());
}
