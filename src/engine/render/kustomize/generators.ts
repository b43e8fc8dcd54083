// configMapGenerator and secretGenerator (api/kv, api/internal/generators): literals, files and
// env files into data (binary files into binaryData, Secrets base64), generatorOptions labels,
// annotations, immutable and the name hash switch. The hash suffix itself is added at the end
// of the build (build.ts), over the final object.
import type { KustomizeFs } from './fs';
import { basename, resolvePath } from './fs';
import type { GeneratedInfo } from './resource';
import { str } from './resource';
import type { Value, ValueMap } from './value';
import { isValueMap } from './value';

export interface GeneratorOptions {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  disableNameSuffixHash?: boolean;
  immutable?: boolean;
}

function stringMap(v: Value | undefined): Record<string, string> | undefined {
  if (!isValueMap(v)) return undefined;
  const out: Record<string, string> = {};
  for (const k of Object.keys(v)) out[k] = str(v[k]);
  return out;
}

export function readOptions(v: Value | undefined): GeneratorOptions {
  if (!isValueMap(v)) return {};
  return {
    labels: stringMap(v['labels']),
    annotations: stringMap(v['annotations']),
    disableNameSuffixHash: v['disableNameSuffixHash'] === true,
    immutable: v['immutable'] === true,
  };
}

function mergeOptions(a: GeneratorOptions, b: GeneratorOptions): GeneratorOptions {
  return {
    labels: a.labels || b.labels ? { ...a.labels, ...b.labels } : undefined,
    annotations: a.annotations || b.annotations ? { ...a.annotations, ...b.annotations } : undefined,
    disableNameSuffixHash: a.disableNameSuffixHash === true || b.disableNameSuffixHash === true,
    immutable: a.immutable === true || b.immutable === true,
  };
}

function strings(v: Value | undefined): string[] {
  if (typeof v === 'string') return [v];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function unquote(s: string): string {
  if (s.length >= 2 && (s[0] === '"' || s[0] === "'") && s[s.length - 1] === s[0]) return s.slice(1, -1);
  return s;
}

export interface Generated {
  obj: ValueMap;
  info: GeneratedInfo;
}

export interface GeneratorContext {
  fs: KustomizeFs;
  dir: string;
  /** Checks load restrictions; returns an error message for a file outside the root. */
  checkPath: (path: string) => string | undefined;
}

/** Base64 of bytes given as a binary string (each char one byte). */
function base64(binary: string): string {
  const table = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  let out = '';
  for (let i = 0; i < binary.length; i += 3) {
    const a = binary.charCodeAt(i);
    const b = i + 1 < binary.length ? binary.charCodeAt(i + 1) : NaN;
    const c = i + 2 < binary.length ? binary.charCodeAt(i + 2) : NaN;
    const n = (a << 16) | ((Number.isNaN(b) ? 0 : b) << 8) | (Number.isNaN(c) ? 0 : c);
    out += table[(n >> 18) & 63] ?? '';
    out += table[(n >> 12) & 63] ?? '';
    out += Number.isNaN(b) ? '=' : (table[(n >> 6) & 63] ?? '');
    out += Number.isNaN(c) ? '=' : (table[n & 63] ?? '');
  }
  return out;
}

function utf8Binary(s: string): string {
  return Array.from(new TextEncoder().encode(s), (b) => String.fromCharCode(b)).join('');
}

/** Parses an env file as kustomize's kv loader does (KEY=VALUE lines, # comments, blank lines). */
function parseEnv(text: string, file: string): [string, string][] | string {
  const out: [string, string][] = [];
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').replace(/\r$/, '');
    const trimmed = line.trimStart();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const eq = trimmed.indexOf('=');
    if (eq < 0) continue;
    const key = trimmed.slice(0, eq);
    if (/\s/.test(key))
      return `"${key}" is not a valid key name: a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit`;
    out.push([key, trimmed.slice(eq + 1)]);
    void file;
  }
  return out;
}

/** One configMapGenerator / secretGenerator entry → the generated object, or an error. */
export function generate(
  kind: 'ConfigMap' | 'Secret',
  args: ValueMap,
  globalOptions: GeneratorOptions,
  ctx: GeneratorContext,
): Generated | string {
  const name = typeof args['name'] === 'string' ? args['name'] : '';
  const data: [string, string, boolean][] = [];
  for (const lit of strings(args['literals'])) {
    const eq = lit.indexOf('=');
    if (eq < 0) return `invalid literal source ${lit}, expected key=value`;
    data.push([lit.slice(0, eq), unquote(lit.slice(eq + 1)), false]);
  }
  for (const env of [...strings(args['envs']), ...strings(args['env'])]) {
    const path = resolvePath(ctx.dir, env);
    const bad = ctx.checkPath(path);
    if (bad) return bad;
    const text = ctx.fs.readFile(path);
    if (text === undefined)
      return `evalsymlink failure on '${path}' : lstat ${path}: no such file or directory`;
    const kv = parseEnv(text, path);
    if (typeof kv === 'string') return kv;
    for (const [k, v] of kv) data.push([k, v, false]);
  }
  for (const f of strings(args['files'])) {
    const eq = f.indexOf('=');
    const key = eq < 0 ? basename(f) : f.slice(0, eq);
    const rel = eq < 0 ? f : f.slice(eq + 1);
    const path = resolvePath(ctx.dir, rel);
    const bad = ctx.checkPath(path);
    if (bad) return bad;
    if (ctx.fs.isDir(path)) {
      for (const entry of ctx.fs.listDir(path)) {
        const p = resolvePath(path, entry);
        if (ctx.fs.isDir(p)) continue;
        const t = ctx.fs.readBinary?.(p) ?? ctx.fs.readFile(p);
        if (t === undefined) continue;
        data.push([entry, t, ctx.fs.readBinary !== undefined]);
      }
      continue;
    }
    const bin = ctx.fs.readBinary?.(path);
    const text = bin === undefined ? ctx.fs.readFile(path) : undefined;
    if (bin === undefined && text === undefined)
      return `evalsymlink failure on '${path}' : lstat ${path}: no such file or directory`;
    data.push(bin !== undefined ? [key, bin, true] : [key, text ?? '', false]);
  }
  const seen = new Set<string>();
  for (const [k] of data) {
    if (seen.has(k)) return `configmap ${name} illegally repeats the key \`${k}\``;
    seen.add(k);
  }
  const options = mergeOptions(globalOptions, readOptions(args['options']));
  const metadata: ValueMap = { name };
  if (typeof args['namespace'] === 'string') metadata['namespace'] = args['namespace'];
  if (options.labels && Object.keys(options.labels).length > 0) metadata['labels'] = { ...options.labels };
  if (options.annotations && Object.keys(options.annotations).length > 0)
    metadata['annotations'] = { ...options.annotations };
  const obj: ValueMap = { apiVersion: 'v1', kind, metadata };
  const stringData: ValueMap = {};
  const binaryData: ValueMap = {};
  for (const [k, v, binary] of data) {
    if (kind === 'Secret') stringData[k] = wrap70(base64(binary ? v : utf8Binary(v)));
    else if (binary && !isUtf8(v)) binaryData[k] = wrap70(base64(v));
    else stringData[k] = binary ? decodeUtf8(v) : v;
  }
  if (kind === 'Secret') obj['type'] = typeof args['type'] === 'string' ? args['type'] : 'Opaque';
  if (Object.keys(stringData).length > 0) obj['data'] = stringData;
  if (Object.keys(binaryData).length > 0) obj['binaryData'] = binaryData;
  if (options.immutable) obj['immutable'] = true;
  const behavior = args['behavior'];
  return {
    obj,
    info: {
      behavior: behavior === 'merge' || behavior === 'replace' ? behavior : 'create',
      hash: !options.disableNameSuffixHash,
    },
  };
}

/** kustomize's secret encoder breaks base64 longer than 70 characters into 70-character lines. */
function wrap70(b64: string): string {
  if (b64.length <= 70) return b64;
  let out = '';
  for (let i = 0; i < b64.length; i += 70) out += `${b64.slice(i, i + 70)}\n`;
  return out;
}

function isUtf8(binary: string): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
    return true;
  } catch {
    return false;
  }
}

function decodeUtf8(binary: string): string {
  return new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
}
