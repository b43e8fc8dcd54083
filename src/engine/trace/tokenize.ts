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

export function tokenize(line: string): TokenizeResult {
  const tokens: Token[] = [];
  let i = 0;
  const n = line.length;
  while (i < n) {
    while (i < n && /\s/.test(line[i] ?? '')) i++;
    if (i >= n) break;
    let text = '';
    let quoted = false;
    while (i < n && !/\s/.test(line[i] ?? '')) {
      const c = line[i] ?? '';
      if (c === '"') {
        quoted = true;
        i++;
        let closed = false;
        while (i < n) {
          const q = line[i] ?? '';
          if (q === '\\' && i + 1 < n) {
            text += line[i + 1] ?? '';
            i += 2;
            continue;
          }
          if (q === '"') {
            closed = true;
            i++;
            break;
          }
          text += q;
          i++;
        }
        if (!closed) return { tokens: [...tokens, { text, quoted }], error: 'unterminated double quote' };
      } else {
        text += c;
        i++;
      }
    }
    tokens.push({ text, quoted });
  }
  return { tokens, error: null };
}
