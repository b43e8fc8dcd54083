import { truncateCell } from './terminal';

/** Left-aligned columns separated by two spaces (kubectl style); long cells are cut with an ellipsis. */
export function formatTable(header: string[], fullRows: string[][]): string {
  const rows = fullRows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : truncateCell(c))));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}
