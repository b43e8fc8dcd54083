// Markdown of a hover in kubepath.cluster.yaml, from the engine's ProfileHover (the schema's
// field, and for a node the labels it effectively carries). Pure (no vscode).
import type { ProfileHover } from '../engine';
import { code, escape } from './markdown';

export function profileHoverMarkdown(hover: ProfileHover): string {
  const [path = hover.path, ...facts] = hover.summary.split(' · ');
  const lines: string[] = [
    [`**${escape(path)}**`, ...facts.map(escape)].join(' · '),
    '',
    hover.field.description,
  ];
  if (hover.values.length > 0) {
    const values = hover.values.map((v) => `${code(v)}${v === hover.field.default ? ' (default)' : ''}`);
    lines.push('', `Values: ${values.join(' · ')}`);
  }
  for (const [value, note] of Object.entries(hover.notModelled)) {
    lines.push('', `Not modelled: ${code(value)}: ${escape(note)}`);
  }
  const node = hover.node;
  if (node) {
    lines.push('', '---', '', `**Node ${escape(node.name)}**`);
    const facts: string[] = [];
    if (node.ips.length > 0) facts.push(`IP ${node.ips.map(code).join(', ')}`);
    if (node.podCIDRs.length > 0) facts.push(`pod CIDR ${node.podCIDRs.map(code).join(', ')}`);
    if (facts.length > 0) lines.push('', facts.join(' · '));
    const labels = Object.entries(node.labels);
    lines.push('', `Labels the node carries (the kubelet's, zone and region, then the profile's):`, '');
    for (const [key, value] of labels) lines.push(`- ${code(`${key}=${value}`)}`);
  }
  return lines.join('\n');
}
