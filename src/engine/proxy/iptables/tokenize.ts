// Splits one iptables-save rule line into words the way iptables-restore does:
// whitespace separates, double quotes group (a comment with spaces), and inside
// quotes a backslash escapes the next character (iptables-save writes `\"`).

export interface Token {
  text: string;
  quoted: boolean;
}

export interface TokenizeResult {
  tokens: Token[];
  /** Set when a quote is not closed. */
  error: string | null;
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 13 || code === 10 || code === 11 || code === 12;
}

export function tokenize(line: string): TokenizeResult {
  const tokens: Token[] = [];
  let i = 0;
  const n = line.length;
  while (i < n) {
    while (i < n && isSpace(line.charCodeAt(i))) i++;
    if (i >= n) break;
    let text = '';
    let quoted = false;
    let start = i;
    while (i < n && !isSpace(line.charCodeAt(i))) {
      if (line.charCodeAt(i) !== 34 /* " */) {
        i++;
        continue;
      }
      text += line.slice(start, i);
      quoted = true;
      i++;
      let closed = false;
      start = i;
      while (i < n) {
        const q = line.charCodeAt(i);
        if (q === 92 /* \\ */ && i + 1 < n) {
          text += line.slice(start, i) + line.charAt(i + 1);
          i += 2;
          start = i;
          continue;
        }
        if (q === 34) {
          closed = true;
          break;
        }
        i++;
      }
      text += line.slice(start, i);
      if (!closed) return { tokens: [...tokens, { text, quoted }], error: 'unterminated double quote' };
      i++;
      start = i;
    }
    text += line.slice(start, i);
    tokens.push({ text, quoted });
  }
  return { tokens, error: null };
}
