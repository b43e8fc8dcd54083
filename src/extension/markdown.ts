// The Markdown pieces every hover text writes (pure: no vscode).

/** `text` as an inline code span (a double fence when it holds a backtick). */
export function code(text: string | number): string {
  const s = String(text);
  const fence = s.includes('`') ? '``' : '`';
  return `${fence}${s}${fence}`;
}

/** `text` with Markdown's punctuation escaped, shown as written. */
export function escape(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}
