// Go's unicode predicates and simple case mappings over code points (JS's toUpperCase applies
// full mappings such as ß → SS; Go maps one rune to one rune).

const UPPER = /^\p{Lu}$/u;
const LOWER = /^\p{Ll}$/u;
const TITLE = /^\p{Lt}$/u;
const LETTER = /^\p{L}$/u;
const NUMBER = /^\p{N}$/u;
const DIGIT = /^\p{Nd}$/u;
const PUNCT = /^\p{P}$/u;

export const isUpper = (r: string): boolean => UPPER.test(r);
export const isLower = (r: string): boolean => LOWER.test(r);
export const isTitle = (r: string): boolean => TITLE.test(r);
export const isLetter = (r: string): boolean => LETTER.test(r);
export const isNumber = (r: string): boolean => NUMBER.test(r);
export const isDigit = (r: string): boolean => DIGIT.test(r);
export const isPunct = (r: string): boolean => PUNCT.test(r);

/** unicode.IsSpace. */
export function isSpace(r: string): boolean {
  const c = r.codePointAt(0)!;
  if (c <= 0xff) return c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0x85 || c === 0xa0;
  return (
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000
  );
}

function single(mapped: string, r: string): string {
  return [...mapped].length === 1 ? mapped : r;
}

/** unicode.ToUpper. */
export function toUpper(r: string): string {
  return single(r.toUpperCase(), r);
}

/** unicode.ToLower. */
export function toLower(r: string): string {
  return single(r.toLowerCase(), r);
}

// Title case differs from upper case only for the digraphs.
const TITLE_CASE: Readonly<Record<string, string>> = {
  Ǆ: 'ǅ',
  ǅ: 'ǅ',
  ǆ: 'ǅ',
  Ǉ: 'ǈ',
  ǈ: 'ǈ',
  ǉ: 'ǈ',
  Ǌ: 'ǋ',
  ǋ: 'ǋ',
  ǌ: 'ǋ',
  Ǳ: 'ǲ',
  ǲ: 'ǲ',
  ǳ: 'ǲ',
};

/** unicode.ToTitle. */
export function toTitle(r: string): string {
  return TITLE_CASE[r] ?? toUpper(r);
}

/** strings.ToUpper / ToLower. */
export const upperString = (s: string): string => [...s].map(toUpper).join('');
export const lowerString = (s: string): string => [...s].map(toLower).join('');

/** strings.TrimSpace. */
export function trimSpace(s: string): string {
  const rs = [...s];
  let i = 0;
  let j = rs.length;
  while (i < j && isSpace(rs[i]!)) i++;
  while (j > i && isSpace(rs[j - 1]!)) j--;
  return rs.slice(i, j).join('');
}

/** strings.Trim / TrimLeft / TrimRight with a cutset of runes. */
export function trimCutset(s: string, cutset: string, left = true, right = true): string {
  const cut = new Set(cutset);
  const rs = [...s];
  let i = 0;
  let j = rs.length;
  if (left) while (i < j && cut.has(rs[i]!)) i++;
  if (right) while (j > i && cut.has(rs[j - 1]!)) j--;
  return rs.slice(i, j).join('');
}
