// A manifest's bytes → the text the engine reads, decoded as Kubernetes' YAML reader
// (go-yaml v2 readerc.go) decodes them. Dependency-free so every front end that reads
// files itself (the CLI, the extension host) can use it before handing text to the engine.

/**
 * Invalid UTF-8 found by `decodeManifestBytes`: the first bad byte becomes a lone low
 * surrogate U+DC00 + reason (no valid decoding yields one), the rest decodes with U+FFFD.
 */
export const INVALID_UTF8_REASONS = [
  'invalid leading UTF-8 octet',
  'invalid trailing UTF-8 octet',
  'incomplete UTF-8 octet sequence',
  'invalid length of a UTF-8 sequence',
  'invalid Unicode character',
] as const;
export const INVALID_UTF8_MARKER = 0xdc00;

/**
 * A manifest's bytes → the text the loader reads, as go-yaml's reader decodes them: a
 * UTF-16 LE/BE byte-order mark selects UTF-16, else UTF-8; the mark itself is dropped (as
 * editors show the text, so ranges match). The first invalid UTF-8 sequence is marked so
 * the loader reports go-yaml's error on its line. For front ends that read files themselves.
 */
export function decodeManifestBytes(bytes: Uint8Array): string {
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) {
    return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  }
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) {
    return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  }
  // A leading UTF-8 BOM is dropped, as editors show the text (go-yaml skips it too).
  const body = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
  const bad = firstInvalidUtf8(body);
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  if (bad === null) return decoder.decode(body);
  const before = decoder.decode(body.subarray(0, bad.offset));
  const after = decoder.decode(body.subarray(bad.offset + 1));
  return `${before}${String.fromCharCode(INVALID_UTF8_MARKER + bad.reason)}${after}`;
}

/** readerc.go's UTF-8 checks, in its order: the offset of the first bad sequence and why. */
function firstInvalidUtf8(bytes: Uint8Array): { offset: number; reason: number } | null {
  for (let i = 0; i < bytes.length;) {
    const octet = bytes[i] as number;
    if (octet < 0x80) {
      i++;
      continue;
    }
    const width = (octet & 0xe0) === 0xc0 ? 2 : (octet & 0xf0) === 0xe0 ? 3 : (octet & 0xf8) === 0xf0 ? 4 : 0;
    if (width === 0) return { offset: i, reason: 0 };
    if (i + width > bytes.length) return { offset: i, reason: 2 };
    let value = octet & (width === 2 ? 0x1f : width === 3 ? 0x0f : 0x07);
    for (let k = 1; k < width; k++) {
      const trailing = bytes[i + k] as number;
      if ((trailing & 0xc0) !== 0x80) return { offset: i + k, reason: 1 };
      value = (value << 6) + (trailing & 0x3f);
    }
    if ((width === 2 && value < 0x80) || (width === 3 && value < 0x800) || (width === 4 && value < 0x10000)) {
      return { offset: i, reason: 3 };
    }
    if ((value >= 0xd800 && value <= 0xdfff) || value > 0x10ffff) return { offset: i, reason: 4 };
    i += width;
  }
  return null;
}
