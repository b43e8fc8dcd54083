// `kubepath iptables <paths…> [--cluster F] [--node NAME | --all-nodes] [--family ipv4|ipv6] [--restore-input] [--sorted] [--diff FILE]`
import type { IPFamily } from '../../engine/model';
import { kubeChainLines, proxyFamilies, rules, sortIPTablesRules, unifiedDiff } from '../../engine';
import { parseArgs, stringFlag } from '../args';
import { analyzeCollected, collectFiles, readFlagFile } from '../files';
import type { CliIO } from '../io';
import { EXIT_FINDINGS, EXIT_OK, UsageError } from '../io';
import type { CommandHelp } from '../help';
import { CLUSTER_OPTION, HELM_FLAGS, HELM_OPTIONS, TARGET_OPTION } from '../help';

export const IPTABLES_USAGE =
  'kubepath iptables <paths…> [--cluster F] [--target DIR] [--node NAME | --all-nodes] [--family ipv4|ipv6] [--restore-input] [--sorted] [--diff FILE]';

export const IPTABLES_HELP: CommandHelp = {
  usage: IPTABLES_USAGE,
  summary:
    "Prints the rules kube-proxy (iptables mode) writes on a node for the Services and endpoints in <paths…>: by default what `iptables-save` on that node shows (the filter and nat tables, built-in chains with kube-proxy's jumps, then the KUBE-* chains). On a dual-stack cluster (a service CIDR of each family) kube-proxy runs one proxier per family: the IPv4 rules come first under a `# iptables-save (IPv4)` header, then the IPv6 rules under `# ip6tables-save (IPv6)` (what `ip6tables-save` shows); --family prints one of them alone. Exit 0; with --diff, 1 when the node's rules differ.",
  options: [
    CLUSTER_OPTION,
    TARGET_OPTION,
    ...HELM_OPTIONS,
    {
      flag: '--node',
      value: 'NAME',
      description: 'the node whose rules to print',
      default: 'the first node of the profile',
    },
    { flag: '--all-nodes', description: 'every node, one after the other' },
    {
      flag: '--family',
      value: 'ipv4|ipv6',
      description: "only that family's proxier: iptables-save (ipv4) or ip6tables-save (ipv6) form",
      default: "every family of the cluster's service CIDRs, primary first (--diff: the primary one)",
    },
    { flag: '--restore-input', description: 'exactly the payload kube-proxy hands to iptables-restore' },
    { flag: '--sorted', description: "upstream's canonical rule order (for diffing)" },
    {
      flag: '--diff',
      value: 'FILE',
      description: "compare the node's KUBE-* chains with a real node's iptables-save output (unified diff)",
    },
  ],
  examples: [
    'kubepath iptables k8s/',
    'kubepath iptables k8s/ --node node-2 --sorted',
    'kubepath iptables k8s/ --node node-1 --diff node-1.iptables-save.txt',
    'kubepath iptables k8s/ --cluster dual-stack.yaml --family ipv6',
  ],
};

/**
 * Prints what kube-proxy (iptables mode) programs on a node. Exit 0; with --diff,
 * 1 when the node's KUBE-* chains differ from the prediction (like diff(1)).
 */
export function iptablesCommand(argv: string[], io: CliIO): Promise<number> {
  return Promise.resolve(runIptables(argv, io));
}

function runIptables(argv: string[], io: CliIO): number {
  const args = parseArgs(
    argv,
    ['cluster', 'node', 'diff', 'target', 'family', ...HELM_FLAGS],
    ['all-nodes', 'restore-input', 'sorted'],
  );
  const nodeName = stringFlag(args, 'node');
  const allNodes = args.flags.has('all-nodes');
  const diffFile = stringFlag(args, 'diff');
  if (nodeName !== undefined && allNodes)
    throw new UsageError('--node and --all-nodes are mutually exclusive');
  if (diffFile !== undefined && allNodes) throw new UsageError('--diff compares one node: use --node NAME');

  const input = collectFiles(args.positionals, io.cwd, stringFlag(args, 'cluster'));
  const analysis = analyzeCollected(input, args, io.cwd, (line) => io.stderr(line));
  const profile = analysis.profile;
  const mode = profile.kubeProxy.mode;
  if (mode === 'ipvs')
    throw new UsageError(
      'the cluster profile runs kube-proxy in ipvs mode, which kubepath does not model (it is deprecated upstream): no rules printed; set kubeProxy.mode to iptables or nftables to see what those modes program',
    );
  if (mode === 'nftables')
    io.stderr(
      'kubepath iptables: note: the cluster profile runs kube-proxy in nftables mode (kubeProxy.mode), so its nodes hold no KUBE-* iptables chains; printing what iptables mode would program (`kubepath nftables` shows what the nodes run)\n',
    );
  if (profile.nodes.length === 0) throw new UsageError('the cluster profile has no nodes');
  const names = allNodes ? profile.nodes.map((n) => n.name) : [nodeName ?? profile.nodes[0]?.name ?? ''];
  for (const name of names) {
    if (!profile.nodes.some((n) => n.name === name)) {
      throw new UsageError(
        `no node "${name}" in the cluster profile (nodes: ${profile.nodes.map((n) => n.name).join(', ')})`,
      );
    }
  }
  // Only the form printed is generated (the other would double the work).
  const form = args.flags.has('restore-input') ? 'restore-input' : 'iptables-save';
  const clusterFamilies = proxyFamilies(profile);
  const familyFlag = stringFlag(args, 'family');
  const families = familyFlag === undefined ? clusterFamilies : [parseFamily(familyFlag)];
  const family = families[0] ?? 'IPv4';
  if (familyFlag !== undefined && !clusterFamilies.includes(family))
    io.stderr(
      `kubepath iptables: note: the cluster has no ${family} service CIDR (serviceCIDR ${profile.serviceCIDR}), so no Service has ${family} rules; printing the empty ${family} proxier\n`,
    );

  if (diffFile !== undefined) {
    const node = names[0] ?? '';
    const real = readFlagFile(diffFile, io.cwd);
    const ours = kubeChainLines(rules(analysis, node, form, family).text);
    let theirs: string[];
    try {
      theirs = kubeChainLines(real);
    } catch (err) {
      throw new UsageError(
        `${diffFile} is not iptables-save output: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    const diff = unifiedDiff(ours, theirs, `kubepath (node ${node}, sorted)`, `${diffFile} (sorted)`);
    io.stdout(diff);
    return diff === '' ? EXIT_OK : EXIT_FINDINGS;
  }

  for (const node of names) {
    // A comment line keeps the concatenation loadable by iptables-restore.
    if (allNodes) io.stdout(`# node: ${node}\n`);
    for (const f of families) {
      let text = rules(analysis, node, form, f).text;
      if (args.flags.has('sorted')) text = sortIPTablesRules(text);
      if (families.length > 1) io.stdout(`# ${f === 'IPv6' ? 'ip6tables' : 'iptables'}-save (${f})\n`);
      io.stdout(text);
    }
  }
  return EXIT_OK;
}

/** `--family ipv4|ipv6` (any case). */
export function parseFamily(text: string): IPFamily {
  const t = text.toLowerCase();
  if (t === 'ipv4' || t === '4') return 'IPv4';
  if (t === 'ipv6' || t === '6') return 'IPv6';
  throw new UsageError(`--family ${text}: expected ipv4 or ipv6`);
}
