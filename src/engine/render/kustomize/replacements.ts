// `replacements` (api/filters/replacement): copy one field of a source resource (or a literal
// value) into fields of selected targets. Paths are kyaml paths: dotted fields, `[key=value]`
// list selectors, `*`, indexes; `options.delimiter/index` splice a part of a scalar, `create`
// adds missing fields. A scalar target keeps its own type (kyaml sets only the node's value).
import type { Resource, ResId, SourceRef } from './resource';
import { curId, gvkSelected, idString, metadata, str } from './resource';
import type { Value, ValueMap } from './value';
import { clone, isValueMap } from './value';

export class ReplacementError extends Error {}

/** kyaml SmarterPathSplitter: `.` separates, except inside `[...]`. */
export function splitKyamlPath(path: string): string[] {
  const out: string[] = [];
  let cur = '';
  let depth = 0;
  for (const c of path) {
    if (c === '[') depth++;
    if (c === ']') depth--;
    if (c === '.' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

function regexFull(pattern: string | undefined, value: string): boolean {
  if (!pattern) return true;
  try {
    return new RegExp(`^(?:${pattern})$`).test(value);
  } catch {
    return pattern === value;
  }
}

function idsOf(r: Resource): ResId[] {
  return [curId(r), ...r.prevIds];
}

function selectorOf(v: Value | undefined): ValueMap {
  return isValueMap(v) ? v : {};
}

function effectiveNs(ns: string): string {
  return ns === '' ? 'default' : ns;
}

/** ResId.IsSelectedBy: exact name, namespace by effective namespace, gvk wildcards. */
function selectedBy(id: ResId, sel: ValueMap): boolean {
  const name = str(sel['name']);
  const ns = str(sel['namespace']);
  return (
    (name === '' || name === id.name) &&
    (ns === '' || effectiveNs(ns) === effectiveNs(id.namespace)) &&
    gvkSelected(id, {
      group: str(sel['group']) || undefined,
      version: str(sel['version']) || undefined,
      kind: str(sel['kind']) || undefined,
    })
  );
}

/** SelectorRegex.MatchGvk/Name/Namespace: name and namespace are anchored regexes. */
function selectedByRegex(id: ResId, sel: ValueMap): boolean {
  return (
    gvkSelected(id, {
      group: str(sel['group']) || undefined,
      version: str(sel['version']) || undefined,
      kind: str(sel['kind']) || undefined,
    }) &&
    regexFull(str(sel['name']) || undefined, id.name) &&
    regexFull(str(sel['namespace']) || undefined, id.namespace)
  );
}

function labelsMatch(selector: string, m: Value | undefined): boolean {
  if (selector === '') return true;
  const labels = isValueMap(m) ? m : {};
  return selector
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .every((part) => {
      const ne = part.split('!=');
      if (ne.length === 2) return str(labels[(ne[0] ?? '').trim()]) !== (ne[1] ?? '').trim();
      const eq = part.split(/==?/);
      if (eq.length === 2)
        return (eq[0] ?? '').trim() in labels && str(labels[(eq[0] ?? '').trim()]) === (eq[1] ?? '').trim();
      return part.startsWith('!') ? !(part.slice(1) in labels) : part in labels;
    });
}

function annoAndLabelMatch(r: Resource, sel: ValueMap): boolean {
  const md = metadata(r.obj) ?? {};
  return (
    labelsMatch(str(sel['labelSelector']), md['labels']) &&
    labelsMatch(str(sel['annotationSelector']), md['annotations'])
  );
}

interface Found {
  parent: ValueMap | Value[];
  key: string | number;
}

/** Every field a kyaml path reaches (PathMatcher), creating missing ones when asked. */
function lookupAll(node: Value, parts: readonly string[], create: boolean): Found[] {
  const [head, ...rest] = parts;
  if (head === undefined) return [];
  const results: Found[] = [];
  const step = (parent: ValueMap | Value[], key: string | number): void => {
    if (rest.length === 0) results.push({ parent, key });
    else {
      const child = Array.isArray(parent) ? parent[key as number] : parent[key as string];
      results.push(...lookupAll(child ?? null, rest, create));
    }
  };
  if (head.startsWith('[') && head.endsWith(']')) {
    if (!Array.isArray(node)) return [];
    const eq = head.indexOf('=');
    const k = head.slice(1, eq);
    const v = head.slice(eq + 1, -1);
    let matched = false;
    node.forEach((el, i) => {
      if (k === '' ? str(el) === v : isValueMap(el) && str(el[k]) === v) {
        matched = true;
        step(node, i);
      }
    });
    if (!matched && create && k !== '') {
      node.push({ [k]: v });
      step(node, node.length - 1);
    }
    return results;
  }
  if (head === '*' || head === '-') {
    if (Array.isArray(node)) node.forEach((_, i) => step(node, i));
    else if (isValueMap(node)) for (const k of Object.keys(node)) step(node, k);
    return results;
  }
  if (Array.isArray(node) && /^\d+$/.test(head)) {
    const i = Number(head);
    if (i < node.length) step(node, i);
    return results;
  }
  if (!isValueMap(node)) return [];
  if (!(head in node) || node[head] === null) {
    if (!create) return [];
    node[head] = rest.length === 0 ? null : rest[0]?.startsWith('[') ? [] : {};
  }
  step(node, head);
  return results;
}

function get(f: Found): Value | undefined {
  return Array.isArray(f.parent) ? f.parent[f.key as number] : f.parent[f.key as string];
}

function set(f: Found, v: Value): void {
  if (Array.isArray(f.parent)) f.parent[f.key as number] = v;
  else f.parent[f.key as string] = v;
}

function scalarText(v: Value | undefined): string {
  return str(v);
}

/** The target keeps its scalar type; a created or non-scalar target takes the source value. */
function coerce(target: Value | undefined, value: Value): Value {
  if (isValueMap(value) || Array.isArray(value)) return clone(value);
  if (typeof target === 'string') return scalarText(value);
  if (typeof target === 'number') {
    const n = Number(scalarText(value));
    return Number.isFinite(n) && scalarText(value).trim() !== '' ? n : scalarText(value);
  }
  if (typeof target === 'boolean') {
    const t = scalarText(value);
    return t === 'true' ? true : t === 'false' ? false : t;
  }
  return clone(value);
}

interface FieldOptions {
  delimiter?: string;
  index?: number;
  create?: boolean;
}

function optionsOf(v: Value | undefined): FieldOptions {
  if (!isValueMap(v)) return {};
  return {
    delimiter: typeof v['delimiter'] === 'string' ? v['delimiter'] : undefined,
    index: typeof v['index'] === 'number' ? v['index'] : 0,
    create: v['create'] === true,
  };
}

function sourceValue(resources: readonly Resource[], rep: ValueMap): Value {
  if (rep['sourceValue'] !== undefined && rep['source'] !== undefined) {
    throw new ReplacementError('value and resource selectors are mutually exclusive');
  }
  if (rep['sourceValue'] !== undefined) return str(rep['sourceValue']);
  const sel = selectorOf(rep['source']);
  const matches = resources.filter((r) => idsOf(r).some((id) => selectedBy(id, sel)));
  if (matches.length > 1) throw new ReplacementError(`multiple matches for selector ${selectorText(sel)}`);
  const src = matches[0];
  if (!src) throw new ReplacementError(`nothing selected by ${selectorText(sel)}`);
  const fieldPath = str(sel['fieldPath']) || 'metadata.name';
  const found = lookupAll(src.obj, splitKyamlPath(fieldPath), false)[0];
  const v = found ? get(found) : undefined;
  if (v === undefined || v === null || (isValueMap(v) && Object.keys(v).length === 0)) {
    throw new ReplacementError(
      `fieldPath \`${fieldPath}\` is missing for replacement source ${selectorText(sel)}`,
    );
  }
  const o = optionsOf(sel['options']);
  if (!o.delimiter) return clone(v);
  if (isValueMap(v) || Array.isArray(v))
    throw new ReplacementError('delimiter option can only be used with scalar nodes');
  const parts = scalarText(v).split(o.delimiter);
  const i = o.index ?? 0;
  if (i >= parts.length || i < 0)
    throw new ReplacementError(`options.index ${i} is out of bounds for value ${scalarText(v)}`);
  return parts[i] ?? '';
}

function selectorText(sel: ValueMap): string {
  const id: ResId = {
    group: str(sel['group']),
    version: str(sel['version']),
    kind: str(sel['kind']),
    name: str(sel['name']),
    namespace: str(sel['namespace']),
  };
  return idString(id);
}

/** Applies replacements in order; throws ReplacementError with kustomize's message. */
export function applyReplacements(
  resources: readonly Resource[],
  replacements: readonly ValueMap[],
  source: SourceRef,
): void {
  for (const rep of replacements) {
    if ((rep['source'] === undefined && rep['sourceValue'] === undefined) || rep['targets'] === undefined) {
      throw new ReplacementError('replacements must specify a source and at least one target');
    }
    const value = sourceValue(resources, rep);
    const targets = Array.isArray(rep['targets']) ? rep['targets'].filter(isValueMap) : [];
    for (const t of targets) {
      if (!isValueMap(t['select'])) throw new ReplacementError('target must specify resources to select');
      const select = t['select'];
      const rejects = Array.isArray(t['reject']) ? t['reject'].filter(isValueMap) : [];
      const paths = Array.isArray(t['fieldPaths']) ? t['fieldPaths'].map((p) => str(p)) : ['metadata.name'];
      const o = optionsOf(t['options']);
      for (const r of resources) {
        if (!annoAndLabelMatch(r, select)) continue;
        if (
          rejects.some(
            (rj) =>
              (str(rj['labelSelector']) !== '' || str(rj['annotationSelector']) !== '') &&
              annoAndLabelMatch(r, rj),
          )
        )
          continue;
        const ids = idsOf(r);
        const gvknRejects = rejects.filter((rj) =>
          ['group', 'version', 'kind', 'name', 'namespace'].some((k) => str(rj[k]) !== ''),
        );
        if (ids.some((id) => gvknRejects.some((rj) => selectedByRegex(id, rj)))) continue;
        if (!ids.some((id) => selectedByRegex(id, select))) continue;
        for (const fp of paths) {
          const found = lookupAll(r.obj, splitKyamlPath(fp), o.create === true);
          if (found.length === 0) {
            throw new ReplacementError(
              o.create
                ? `unable to find or create field "${fp}" in replacement target`
                : `unable to find field "${fp}" in replacement target`,
            );
          }
          for (const f of found) {
            let v = value;
            if (o.delimiter) {
              const cur = get(f);
              if (isValueMap(cur) || Array.isArray(cur))
                throw new ReplacementError('delimiter option can only be used with scalar nodes');
              const parts = scalarText(cur).split(o.delimiter);
              const i = o.index ?? 0;
              if (i < 0) parts.unshift(scalarText(value));
              else if (i >= parts.length) parts.push(scalarText(value));
              else parts[i] = scalarText(value);
              v = parts.join(o.delimiter);
            }
            set(f, coerce(get(f), v));
            r.fields.set(fp, source);
          }
        }
      }
    }
  }
}
