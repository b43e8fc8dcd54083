// kubectl's own check of every object it reads (cli-runtime resource/metadata_decoder.go):
// the document must decode into TypeMeta + ObjectMeta with Go's encoding/json, or kubectl
// refuses the file before anything is sent: `error: unable to decode "app.yaml": json:
// cannot unmarshal bool into Go struct field ObjectMeta.metadata.labels of type string`
// (what `labels: {enabled: yes}` gives). Go reports the first error in the order of the
// JSON sigs.k8s.io/yaml wrote, whose object keys are sorted.

import { goJsonKind, isPlainObject } from '../model';

export interface MetadataProblem {
  /** Loader field path of the offending value. */
  at: (string | number)[];
  /** Go's UnmarshalTypeError text. */
  message: string;
}

const STRING_FIELDS = new Set(['generateName', 'name', 'namespace', 'resourceVersion', 'selfLink', 'uid']);
const MAP_FIELDS = new Set(['annotations', 'labels']);

function typeError(value: unknown, field: string, type: string): string {
  return `json: cannot unmarshal ${goJsonKind(value)} into Go struct field ObjectMeta.metadata.${field} of type ${type}`;
}

/** The first metadata value kubectl's metadataOnlyObject cannot decode, or null. */
export function metadataProblem(object: Record<string, unknown>): MetadataProblem | null {
  const metadata = object['metadata'];
  if (metadata === undefined || metadata === null) return null;
  if (!isPlainObject(metadata)) {
    return {
      at: ['metadata'],
      message: `json: cannot unmarshal ${goJsonKind(metadata)} into Go struct field metadataOnlyObject.metadata of type v1.ObjectMeta`,
    };
  }
  for (const key of Object.keys(metadata).sort()) {
    const value = metadata[key];
    if (value === null || value === undefined) continue;
    if (STRING_FIELDS.has(key) && typeof value !== 'string') {
      return { at: ['metadata', key], message: typeError(value, key, 'string') };
    }
    if (MAP_FIELDS.has(key)) {
      if (!isPlainObject(value))
        return { at: ['metadata', key], message: typeError(value, key, 'map[string]string') };
      for (const entry of Object.keys(value).sort()) {
        const item = value[entry];
        if (item !== null && typeof item !== 'string') {
          return { at: ['metadata', key, entry], message: typeError(item, key, 'string') };
        }
      }
    }
    if (key === 'finalizers') {
      if (!Array.isArray(value)) return { at: ['metadata', key], message: typeError(value, key, '[]string') };
      const bad = value.findIndex((item) => item !== null && typeof item !== 'string');
      if (bad >= 0) return { at: ['metadata', key, bad], message: typeError(value[bad], key, 'string') };
    }
  }
  return null;
}
