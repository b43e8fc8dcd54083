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
    'the deploy target to analyse: a kustomization no other kustomization uses, built as `kustomize build DIR` would, or a Helm chart, rendered as `helm template DIR` would; targets sharing no file with it are analysed beside it',
  default:
    'the kustomization or chart directory given as the only path, else the first deploy target in path order (the others sharing its files are listed as not analysed)',
};

/** `helm template`'s flags, for the charts among the paths (repeatable ones keep their order). */
export const HELM_OPTIONS: readonly OptionHelp[] = [
  {
    flag: '--values',
    value: 'FILE',
    description:
      "a Helm values file for the charts (repeatable; after the chart's values.yaml, later files win)",
  },
  { flag: '--set', value: 'K=V', description: 'a Helm value, as helm --set parses it (repeatable)' },
  { flag: '--set-string', value: 'K=V', description: 'a Helm value kept a string (repeatable)' },
  { flag: '--set-json', value: 'K=JSON', description: 'a Helm value given as JSON (repeatable)' },
  {
    flag: '--release',
    value: 'NAME',
    description: 'the Helm release name',
    default: 'release-name (as helm template)',
  },
  {
    flag: '--namespace',
    value: 'NS',
    description: 'the Helm release namespace (objects without one land there)',
    default: 'default',
  },
  {
    flag: '--kube-version',
    value: 'X.Y',
    description: '.Capabilities.KubeVersion for the charts',
    default:
      "the cluster profile's kubernetesVersion (1.33 in the built-in cluster; kubepath render: v1.20.0, as helm template)",
  },
  {
    flag: '--api-versions',
    value: 'G/V',
    description: 'an API version .Capabilities.APIVersions.Has reports (repeatable)',
  },
];

/** The value flags of HELM_OPTIONS, as parseArgs takes them. */
export const HELM_FLAGS: readonly string[] = HELM_OPTIONS.map((o) => o.flag.slice(2));

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
