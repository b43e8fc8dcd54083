// kustomize's content hash for generated names (api/hasher): sha256 of a JSON encoding, the first
// 10 hex digits, with 0,1,3,a,e replaced by g,h,k,m,t (so the suffix never looks like a number or
// a word). ConfigMaps hash {kind,name,data[,binaryData]}, Secrets {kind,type,name,data[,stringData]};
// other kinds hash Go's encoding/json of the yaml.v3 node struct (see nodeStructJson).
import { sha256Hex } from '../../util/sha256';
import type { Value, ValueMap } from './value';
import { isValueMap } from './value';

export function encodeHash(hex: string): string {
  const map: Record<string, string> = { '0': 'g', '1': 'h', '3': 'k', a: 'm', e: 't' };
  return Array.from(hex.slice(0, 10), (c) => map[c] ?? c).join('');
}

/** Go's json.Marshal: map keys sorted bytewise, HTML characters escaped. */
export function goJson(v: Value): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return goJsonString(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(goJson).join(',')}]`;
  const keys = Object.keys(v).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${keys.map((k) => `${goJsonString(k)}:${goJson(v[k] ?? null)}`).join(',')}}`;
}

export function goJsonString(s: string): string {
  return JSON.stringify(s)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

// getNodeValues looks each path up as ONE field name (kyaml's Lookup does not split on '/'),
// so "metadata/name" is never found and every name hashes as "": the hash covers the content only.
function lookup(obj: ValueMap, path: string): Value | undefined {
  return obj[path];
}

/** The value getNodeValues reads: "" when absent, a map as-is, a scalar as its YAML text. */
function field(obj: ValueMap, path: string): Value {
  const v = lookup(obj, path);
  if (v === undefined || v === null) return v === null ? '' : '';
  if (isValueMap(v)) return v;
  if (Array.isArray(v)) return null;
  return String(v);
}

/** The JSON the hasher digests for a ConfigMap or Secret. */
export function encodeForHash(obj: ValueMap): string | undefined {
  const kind = obj['kind'];
  if (kind === 'ConfigMap') {
    const m: ValueMap = { kind: 'ConfigMap', name: field(obj, 'metadata/name'), data: field(obj, 'data') };
    const bin = field(obj, 'binaryData');
    if (isValueMap(bin)) m['binaryData'] = bin;
    return goJson(m);
  }
  if (kind === 'Secret') {
    const m: ValueMap = {
      kind: 'Secret',
      type: field(obj, 'type'),
      name: field(obj, 'metadata/name'),
      data: field(obj, 'data'),
    };
    const sd = field(obj, 'stringData');
    if (isValueMap(sd)) m['stringData'] = sd;
    return goJson(m);
  }
  return undefined;
}

/** The name suffix for a ConfigMap or Secret; for other kinds pass the node-struct JSON. */
export function contentHash(obj: ValueMap, otherKindEncoding?: string): string {
  const encoded = encodeForHash(obj) ?? otherKindEncoding ?? goJson(obj);
  return encodeHash(sha256Hex(encoded));
}
