// The bytes and characters Kubernetes' YAML reader (go-yaml v2 readerc.go) accepts, for
// text that reaches the loader as a string: byte-order marks (UTF-8 at the start of
// any document; UTF-16 LE/BE, which a UTF-8 reader turns into "\uFFFD\uFFFD" and NULs),
// characters go-yaml refuses ("control characters are not allowed"), and invalid
// UTF-8, which model's `decodeManifestBytes` marks so the loader can report it where it is.

import { INVALID_UTF8_MARKER, INVALID_UTF8_REASONS } from '../model/manifestBytes';

const BOM = 0xfeff;

/**
 * A UTF-16 file read as UTF-8 (what `readFileSync(…, 'utf8')` and a default
 * TextDecoder make of it): "\uFFFD\uFFFD" then every other character NUL. Its text
 * when every character was ASCII (nothing was lost); `lost` when some were not.
 */
export function recoverMisreadUtf16(
  text: string,
): { text: string; encoding: 'UTF-16LE' | 'UTF-16BE' } | { lost: 'UTF-16LE' | 'UTF-16BE' } | null {
  if (text.charCodeAt(0) !== 0xfffd || text.charCodeAt(1) !== 0xfffd || text.length < 4) return null;
  const little = text.charCodeAt(3) === 0 && text.charCodeAt(2) !== 0;
  const big = text.charCodeAt(2) === 0 && text.charCodeAt(3) !== 0;
  if (!little && !big) return null;
  const encoding = little ? 'UTF-16LE' : 'UTF-16BE';
  const body = text.length - 2;
  if (body % 2 !== 0) return { lost: encoding };
  const out: string[] = [];
  for (let i = 2; i < text.length; i += 2) {
    const first = text.charCodeAt(i);
    const second = text.charCodeAt(i + 1);
    const char = little ? first : second;
    const zero = little ? second : first;
    if (zero !== 0 || char >= 0x80) return { lost: encoding };
    out.push(String.fromCharCode(char));
  }
  return { text: out.join(''), encoding };
}

/**
 * Byte-order marks at the start of a line (go-yaml skips one where a token may start,
 * and at the start of each document kubectl splits off), removed; `removed` holds the
 * offsets in the returned text where one was, for mapping positions back.
 */
export function stripLineStartBoms(text: string): { text: string; removed: number[] } {
  if (!text.includes('\ufeff')) return { text, removed: [] };
  const removed: number[] = [];
  let out = '';
  let from = 0;
  for (let at = text.indexOf('\ufeff'); at >= 0; at = text.indexOf('\ufeff', at + 1)) {
    const lineStart = at === 0 || text.charCodeAt(at - 1) === NEWLINE || text.charCodeAt(at - 1) === BOM;
    if (!lineStart) continue;
    out += text.slice(from, at);
    removed.push(out.length);
    from = at + 1;
  }
  return { text: out + text.slice(from), removed };
}

const NEWLINE = 10;

/**
 * go-yaml's allowed characters: tab, LF, CR, #x20–#x7E, #x85, #xA0–#xD7FF, #xE000–#xFFFD
 * and the astral planes. Anything else (NUL and other C0 controls, DEL, C1, U+FFFE/F, a
 * lone surrogate) stops the document.
 */
const FORBIDDEN =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u0084\u0086-\u009f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** The first character go-yaml refuses at or after `from`, with go-yaml's message. */
export function findForbiddenCharacter(
  text: string,
  from: number,
): { index: number; message: string } | null {
  FORBIDDEN.lastIndex = from;
  const m = FORBIDDEN.exec(text);
  if (!m) return null;
  const code = text.charCodeAt(m.index);
  const reason = code - INVALID_UTF8_MARKER;
  if (reason >= 0 && reason < INVALID_UTF8_REASONS.length) {
    return { index: m.index, message: `yaml: ${INVALID_UTF8_REASONS[reason] as string}` };
  }
  if (code >= 0xd800 && code <= 0xdfff) return { index: m.index, message: 'yaml: invalid Unicode character' };
  return { index: m.index, message: 'yaml: control characters are not allowed' };
}
