// `kubepath nftables <paths…> [--cluster F] [--node NAME | --all-nodes] [--family ipv4|ipv6] [--transaction] [--sorted]`
import type { Analysis, NftablesForm } from '../../engine';
import { nftablesLayoutMinVersion, nftablesRules, proxyFamilies } from '../../engine';
import { parseFamily } from './iptables';
import { parseArgs, stringFlag } from '../args';
import { analyzeCollected, collectFiles } from '../files';
import type { CliIO } from '../io';
import { EXIT_OK, UsageError } from '../io';
import type { CommandHelp } from '../help';
import { CLUSTER_OPTION, HELM_FLAGS, HELM_OPTIONS, TARGET_OPTION } from '../help';

export const NFTABLES_USAGE =
  'kubepath nftables <paths…> [--cluster F] [--target DIR] [--node NAME | --all-nodes] [--family ipv4|ipv6] [--transaction] [--sorted]';

export const NFTABLES_HELP: CommandHelp = {
  usage: NFTABLES_USAGE,
  summary:
    "Prints the `ip kube-proxy` table kube-proxy (nftables mode, the layout of Kubernetes 1.34 and later) programs on a node for the Services and endpoints in <paths…>: by default what `nft list table ip kube-proxy` shows on that node after kube-proxy's first sync. On a dual-stack cluster (a service CIDR of each family) the `ip6 kube-proxy` table follows (as `nft list ruleset` shows both; each block names its table, and the transactions load together with `nft -f`); --family prints one alone. Exit 0.",
  options: [
    CLUSTER_OPTION,
    TARGET_OPTION,
    ...HELM_OPTIONS,
    {
      flag: '--node',
      value: 'NAME',
      description: 'the node whose table to print',
      default: 'the first node of the profile',
    },
    { flag: '--all-nodes', description: 'every node, one after the other' },
    {
      flag: '--family',
      value: 'ipv4|ipv6',
      description: 'only that table: `ip kube-proxy` (ipv4) or `ip6 kube-proxy` (ipv6)',
      default: "every family of the cluster's service CIDRs, primary first",
    },
    {
      flag: '--transaction',
      description: 'the transaction kube-proxy hands to `nft -f` on its first sync (loadable with `nft -f`)',
    },
    {
      flag: '--sorted',
      description:
        "the table as upstream's tests compare it: knftables' dump through sortNFTablesTransaction (for diffing)",
    },
  ],
  examples: [
    'kubepath nftables k8s/',
    'kubepath nftables k8s/ --node node-2 --transaction',
    'kubepath nftables k8s/ --all-nodes --sorted',
    'kubepath nftables k8s/ --cluster dual-stack.yaml --family ipv6',
  ],
};

export function nftablesCommand(argv: string[], io: CliIO): Promise<number> {
  return Promise.resolve(runNftables(argv, io));
}

/** "1.33" → 1033; unparsable → the modelled layout's version. */
function minor(version: string): number {
  const m = /^v?(\d+)\.(\d+)/.exec(version.trim());
  return m ? Number(m[1]) * 1000 + Number(m[2]) : minor(nftablesLayoutMinVersion);
}

/**
 * What the profile's kube-proxy mode means for printing nftables rules: a note when the
 * nodes run another mode, a refusal for ipvs (not modelled).
 */
function checkMode(analysis: Analysis, io: CliIO): void {
  const mode = analysis.profile.kubeProxy.mode;
  if (mode === 'ipvs')
    throw new UsageError(
      'the cluster profile runs kube-proxy in ipvs mode, which kubepath does not model (it is deprecated upstream): no rules printed; set kubeProxy.mode to iptables or nftables to see what those modes program',
    );
  if (mode !== 'nftables')
    io.stderr(
      `kubepath nftables: note: the cluster profile runs kube-proxy in ${mode} mode (kubeProxy.mode), so its nodes hold no kube-proxy nftables table; printing what nftables mode would program (\`kubepath ${mode}\` shows what the nodes run)\n`,
    );
  const version = analysis.profile.kubernetesVersion;
  if (minor(version) < minor(nftablesLayoutMinVersion))
    io.stderr(
      `kubepath nftables: note: kubernetesVersion ${version}: kube-proxy before ${nftablesLayoutMinVersion} uses another chain layout (filter-prerouting/input/forward/output at dstnat-10, filter-output-post-dnat), which is not modelled; printing the ${nftablesLayoutMinVersion} layout\n`,
    );
}

function runNftables(argv: string[], io: CliIO): number {
  const args = parseArgs(
    argv,
    ['cluster', 'node', 'target', 'family', ...HELM_FLAGS],
    ['all-nodes', 'transaction', 'sorted'],
  );
  const nodeName = stringFlag(args, 'node');
  const allNodes = args.flags.has('all-nodes');
  if (nodeName !== undefined && allNodes)
    throw new UsageError('--node and --all-nodes are mutually exclusive');
  if (args.flags.has('transaction') && args.flags.has('sorted'))
    throw new UsageError('--transaction and --sorted are two different forms: choose one');

  const input = collectFiles(args.positionals, io.cwd, stringFlag(args, 'cluster'));
  const analysis = analyzeCollected(input, args, io.cwd, (line) => io.stderr(line));
  const profile = analysis.profile;
  checkMode(analysis, io);
  if (profile.nodes.length === 0) throw new UsageError('the cluster profile has no nodes');
  const names = allNodes ? profile.nodes.map((n) => n.name) : [nodeName ?? profile.nodes[0]?.name ?? ''];
  for (const name of names) {
    if (!profile.nodes.some((n) => n.name === name)) {
      throw new UsageError(
        `no node "${name}" in the cluster profile (nodes: ${profile.nodes.map((n) => n.name).join(', ')})`,
      );
    }
  }
  const form: NftablesForm = args.flags.has('transaction')
    ? 'transaction'
    : args.flags.has('sorted')
      ? 'sorted'
      : 'list';
  const familyFlag = stringFlag(args, 'family');
  const families = familyFlag === undefined ? proxyFamilies(profile) : [parseFamily(familyFlag)];
  for (const node of names) {
    // `#` lines are comments to nft -f and are dropped by upstream's sort, so the output stays usable.
    if (allNodes) io.stdout(`# node: ${node}\n`);
    families.forEach((family, i) => {
      if (i > 0) io.stdout('\n');
      io.stdout(nftablesRules(analysis, node, form, family).text);
    });
  }
  return EXIT_OK;
}
