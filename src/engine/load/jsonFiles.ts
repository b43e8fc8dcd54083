// Files that start with `{`, read the way kubectl's YAMLOrJSONDecoder reads them: a
// stream of JSON values (`{…}{…}` or one per line) is decoded as JSON; when the JSON
// is broken after at most one value, kubectl reads the rest as YAML (so trailing commas
// pass), and if that yields nothing it reports the JSON decoder's error:
// `error parsing x.json: json: offset 7: invalid character '/' looking for beginning of
// object key string` (JSON with comments). With two or more values decoded, it stops
// at the JSON error. Never dropped silently.
import { isMap } from 'yaml';
import type { Document } from 'yaml';
import type { Diagnostic } from '../model';
import { goByteOffset, scanJsonStream } from './jsonStream';

export interface JsonStreamLoad {
  /** Parsed documents with the offset of their source in the text. */
  units: { doc: Document.Parsed; base: number }[];
  /** The error kubectl reports, without its range; `at` is where it is. */
  diagnostic: Omit<Diagnostic, 'range'> | null;
  at: number;
}

/** A document whose top level has string apiVersion and kind. */
function looksLikeObject(doc: Document.Parsed): boolean {
  const contents = doc.contents;
  if (doc.errors.length > 0 || !isMap(contents)) return false;
  return typeof contents.get('apiVersion') === 'string' && typeof contents.get('kind') === 'string';
}

export function loadJsonStream(
  text: string,
  file: string,
  parse: (source: string) => Document.Parsed[],
): JsonStreamLoad {
  const scan = scanJsonStream(text);
  const unitsOf = (values: readonly [number, number][]): JsonStreamLoad['units'] =>
    values.length === 1 && scan.error === null
      ? parse(text).map((doc) => ({ doc, base: 0 }))
      : values.flatMap(([start, end]) => parse(text.slice(start, end)).map((doc) => ({ doc, base: start })));
  const units = unitsOf(scan.values);
  const error = scan.error;
  if (error === null) return { units, diagnostic: null, at: 0 };
  const reported = (message: string): JsonStreamLoad => ({
    units,
    diagnostic: { severity: 'error', code: 'yaml-syntax', message: `error parsing ${file}: ${message}` },
    at: error.index,
  });
  // More than one JSON value decoded: an unambiguous JSON stream, the decoder's own error.
  if (scan.values.length > 1) return reported(error.message);
  const restStart = scan.values[0]?.[1] ?? 0;
  const rest = parse(text.slice(restStart)).map((doc) => ({ doc, base: restStart }));
  if (
    rest.length > 0 &&
    rest.every((u) => u.doc.errors.length === 0) &&
    rest.some((u) => looksLikeObject(u.doc))
  ) {
    return { units: [...units, ...rest], diagnostic: null, at: 0 };
  }
  return reported(
    error.syntax ? `json: offset ${goByteOffset(text, error.index)}: ${error.message}` : error.message,
  );
}
