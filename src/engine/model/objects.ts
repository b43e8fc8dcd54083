// Helpers over loaded objects that every layer uses: where a field is written, and whether
// a parsed value is a mapping.
import { formatFieldPath } from './fieldPath';
import type { LoadedObject } from './loaded';
import type { Diagnostic, SourceRange } from './source';

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

/**
 * Findings on an object a controller generated, as the user can act on them: each message
 * says which object it is and who creates it from which resource (the range is a line of
 * that resource), and no quick fix is offered (it would edit the resource's text, not the
 * generated object's field). Other objects' findings are returned as they are.
 */
export function forGeneratedObject(object: LoadedObject, diagnostics: Diagnostic[]): Diagnostic[] {
  const by = object.generatedBy;
  if (!by) return diagnostics;
  const who = `${object.kind} ${object.name}`;
  const origin = `(created by ${by.controller} for ${by.kind} ${by.name})`;
  return diagnostics.map((d) => {
    const named = d.message.startsWith(`${who} `);
    const out: Diagnostic = {
      ...d,
      message: named ? `${who} ${origin}${d.message.slice(who.length)}` : `${who} ${origin}: ${d.message}`,
    };
    delete out.fixes;
    return out;
  });
}
