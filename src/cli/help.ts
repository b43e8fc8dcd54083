// `kubepath <command> --help`: every option with its value, default and meaning, and examples.
export interface OptionHelp {
  flag: string;
  /** The value's name (`FILE`), absent for a switch. */
  value?: string;
  description: string;
  /** What applies when the option is not given. */
  default?: string;
}

export interface CommandHelp {
  usage: string;
  summary: string;
  options: OptionHelp[];
  examples: string[];
}

/** The options every command that reads a workspace takes. */
export const CLUSTER_OPTION: OptionHelp = {
  flag: '--cluster',
  value: 'FILE',
  description: 'the cluster profile (nodes, CIDRs, kube-proxy and cloud settings)',
  default:
    'kubepath.cluster.yaml among the paths or in the working directory, else a built-in 3-node cluster',
};

export const TARGET_OPTION: OptionHelp = {
  flag: '--target',
  value: 'DIR',
  description:
    'the kustomize deploy target to analyse, built as `kustomize build DIR` would (a kustomization no other kustomization uses); targets sharing no file with it are analysed beside it',
  default: 'the first deploy target in path order (the others sharing its files are listed as not analysed)',
};

export function formatHelp(help: CommandHelp): string {
  const names = help.options.map((o) => (o.value ? `${o.flag} ${o.value}` : o.flag));
  const width = Math.max(...names.map((n) => n.length), 0);
  const lines = [`usage: ${help.usage}`, '', help.summary, ''];
  if (help.options.length > 0) {
    lines.push('options:');
    help.options.forEach((o, i) => {
      lines.push(`  ${(names[i] ?? '').padEnd(width)}  ${o.description}`);
      if (o.default !== undefined) lines.push(`  ${''.padEnd(width)}  default: ${o.default}`);
    });
    lines.push(`  ${'--help'.padEnd(width)}  this help`);
    lines.push('');
  }
  lines.push('examples:', ...help.examples.map((e) => `  ${e}`), '');
  return lines.join('\n');
}
