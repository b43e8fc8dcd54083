// Helpers over loaded objects that every layer uses: where a field is written, and whether
// a parsed value is a mapping.
import { formatFieldPath } from './fieldPath';
import type { LoadedObject } from './loaded';
import type { SourceRange } from './source';

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The JSON kind Go's encoding/json names in an UnmarshalTypeError (`cannot unmarshal bool into …`). */
export function goJsonKind(value: unknown): string {
  if (typeof value === 'string') return 'string';
  if (typeof value === 'number') return 'number';
  if (typeof value === 'boolean') return 'bool';
  return Array.isArray(value) ? 'array' : 'object';
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
