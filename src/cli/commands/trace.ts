// `kubepath trace <target> <paths…> [--from …] [--node N] [--protocol P] [--method M] [--header 'K: V']… [--gateway NS/NAME] [--sni NAME] [--iptables-save FILE | --nft-ruleset FILE] [--json]`
import type { Protocol } from '../../engine/model';
import {
  ORIGIN_WORKLOAD_KINDS,
  normalizeIP,
  renderTrace,
  renderTraceSummary,
  traceJson,
  TraceTargetError,
  traceRequest,
} from '../../engine';
import type { RequestOrigin, RequestTrace } from '../../engine';
import { parseArgs, stringFlag } from '../args';
import { analyzeCollected, collectFiles, readFlagFile } from '../files';
import type { CliIO } from '../io';
import { EXIT_FINDINGS, EXIT_OK, UsageError } from '../io';
import type { CommandHelp } from '../help';
import { CLUSTER_OPTION, HELM_FLAGS, HELM_OPTIONS, TARGET_OPTION } from '../help';

export const TRACE_USAGE =
  "kubepath trace <target> <paths…> [--cluster F] [--target DIR] [--from internet|node:NAME|pod:NS/NAME|pod:NS/deployment/NAME|ip:ADDR] [--node NAME] [--protocol TCP|UDP|SCTP] [--method M] [--header 'K: V']… [--gateway NS/NAME] [--sni NAME] [--iptables-save FILE | --nft-ruleset FILE] [--verbose] [--json]";

export const TRACE_HELP: CommandHelp = {
  usage: TRACE_USAGE,
  summary:
    'Traces one new connection to <target> through the cluster predicted from <paths…>: DNS, the cloud load balancer, the node and its kube-proxy rules (in the profile’s kubeProxy.mode: iptables or nftables), to the pod (one branch per endpoint, with its probability). <target> is SERVICE[.NAMESPACE][:PORT], a pod DNS name, IP:PORT ([IPv6]:PORT, traced through the ip6tables rules) or http(s)://host[:port][/path][?query]; an http(s) target whose host a Gateway (Gateway API HTTPRoutes) or an Ingress serves goes through that front door first: its load balancer, the L7 decision (listener, route, rule, match, weighted backends), then the endpoints of the backend Service. Exit 0 when the request reaches a pod, 1 when it does not or the name does not resolve.',
  options: [
    CLUSTER_OPTION,
    TARGET_OPTION,
    ...HELM_OPTIONS,
    {
      flag: '--from',
      value: 'ORIGIN',
      description:
        'where the request starts: internet, node:NAME, pod:NS/NAME (a pod, or a workload: pod:NS/deployment/NAME) or ip:ADDRESS',
      default:
        'a client pod on the first node (an unused address of its pod CIDR) for a ClusterIP or pod target, else internet; the trace says which',
    },
    {
      flag: '--node',
      value: 'NAME',
      description: 'the node the request arrives at or is sent from',
      default: 'the first node of the profile (from the internet: the nodes the load balancer picks)',
    },
    { flag: '--protocol', value: 'TCP|UDP|SCTP', description: 'the transport protocol', default: 'TCP' },
    { flag: '--method', value: 'M', description: 'http(s) targets: the request method', default: 'GET' },
    {
      flag: '--header',
      value: "'K: V'",
      description: 'http(s) targets: a request header (repeat for more), matched by HTTPRoute header matches',
      default: 'none',
    },
    {
      flag: '--gateway',
      value: 'NS/NAME',
      description: 'http(s) targets: send the request to this Gateway',
      default: 'the Gateway or Ingress class whose listeners, routes or rules name the host',
    },
    {
      flag: '--sni',
      value: 'NAME',
      description:
        'https targets: the TLS server name (a Host another HTTPS listener serves is answered 421)',
      default: 'the host',
    },
    {
      flag: '--iptables-save',
      value: 'FILE',
      description: "walk a real node's iptables-save output instead of the predicted rules",
    },
    {
      flag: '--nft-ruleset',
      value: 'FILE',
      description:
        "walk a real node's `nft list ruleset` output instead of the predicted rules (nftables mode)",
    },
    {
      flag: '--verbose',
      description: 'every hop of every branch (rule, chain, line in the node’s rules, source line)',
      default: 'a summary: the outcome, then the branches grouped by node and chains, one line each',
    },
    { flag: '--json', description: 'print the trace as JSON' },
  ],
  examples: [
    'kubepath trace web:80 k8s/',
    'kubepath trace web.shop:8080 k8s/ --from internet',
    'kubepath trace 10.96.0.10:53 k8s/ --from pod:default/deployment/client --protocol UDP',
    'kubepath trace [fd00:10:96::a]:80 k8s/ --cluster dual-stack.yaml --from pod:default/deployment/client',
    'kubepath trace http://shop.example.com/cart k8s/ --header X-Canary:true',
  ],
};

export function parseOrigin(text: string): RequestOrigin {
  if (text === 'internet') return { kind: 'internet' };
  const [kind, value = ''] = [text.slice(0, text.indexOf(':')), text.slice(text.indexOf(':') + 1)];
  if (kind === 'node' && value) return { kind: 'node', node: value };
  if (kind === 'ip' && /^\d{1,3}(\.\d{1,3}){3}$/.test(value)) return { kind: 'ip', ip: value };
  // ip:fd00:10::2 (everything after the first colon is the address).
  const v6 = kind === 'ip' ? normalizeIP(value.replace(/^\[(.*)\]$/, '$1'), { family: 'IPv6' }) : null;
  if (v6 !== null) return { kind: 'ip', ip: v6 };
  if (kind === 'pod') {
    // pod:NAME, pod:NS/NAME, pod:KIND/NAME (default namespace) or pod:NS/KIND/NAME.
    const parts = value.split('/');
    const isKind = (word: string): boolean => Object.hasOwn(ORIGIN_WORKLOAD_KINDS, word.toLowerCase());
    const [namespace, ...rest] =
      parts.length === 1 || (parts.length === 2 && isKind(parts[0] ?? '')) ? ['default', ...parts] : parts;
    const name = rest.join('/');
    if (namespace && name && rest.length <= 2 && rest.every((r) => r !== ''))
      return { kind: 'pod', namespace, name };
  }
  throw new UsageError(
    `--from ${text}: expected internet, node:NAME, pod:NAMESPACE/NAME (a pod, or a workload: deployment/NAME, statefulset/NAME, a bare workload name) or ip:ADDRESS`,
  );
}

export function traceCommand(argv: string[], io: CliIO): number {
  const args = parseArgs(
    argv,
    [
      'cluster',
      'from',
      'node',
      'protocol',
      'iptables-save',
      'nft-ruleset',
      'target',
      'method',
      'gateway',
      'sni',
      ...HELM_FLAGS,
    ],
    ['json', 'verbose'],
    ['header'],
  );
  const headers = (args.lists.get('header') ?? []).map((h): [string, string] => {
    const colon = h.indexOf(':');
    if (colon <= 0) throw new UsageError(`--header ${h}: expected 'NAME: VALUE'`);
    return [h.slice(0, colon).trim(), h.slice(colon + 1).trim()];
  });
  const method = stringFlag(args, 'method');
  const gateway = stringFlag(args, 'gateway');
  const sni = stringFlag(args, 'sni');
  const [target, ...paths] = args.positionals;
  if (!target) throw new UsageError(`missing target\nusage: ${TRACE_USAGE}`);
  const protocolFlag = stringFlag(args, 'protocol')?.toUpperCase();
  if (protocolFlag !== undefined && !['TCP', 'UDP', 'SCTP'].includes(protocolFlag)) {
    throw new UsageError(`--protocol ${protocolFlag}: expected TCP, UDP or SCTP`);
  }
  const fromFlag = stringFlag(args, 'from');
  const node = stringFlag(args, 'node');
  const dumpPath = stringFlag(args, 'iptables-save');
  const rulesetPath = stringFlag(args, 'nft-ruleset');
  if (dumpPath !== undefined && rulesetPath !== undefined) {
    throw new UsageError('--iptables-save and --nft-ruleset: choose one (a node runs one kube-proxy mode)');
  }
  let iptablesSave: { file: string; text: string } | undefined;
  if (dumpPath !== undefined) {
    iptablesSave = { file: dumpPath, text: readFlagFile(dumpPath, io.cwd) };
  }
  let nftRuleset: { file: string; text: string } | undefined;
  if (rulesetPath !== undefined) {
    nftRuleset = { file: rulesetPath, text: readFlagFile(rulesetPath, io.cwd) };
  }
  const input = collectFiles(paths.length > 0 ? paths : ['.'], io.cwd, stringFlag(args, 'cluster'));
  const analysis = analyzeCollected(input, args, io.cwd, (line) => io.stderr(line));
  if (node !== undefined && !analysis.profile.nodes.some((n) => n.name === node)) {
    throw new UsageError(
      `--node ${node}: no such node (nodes: ${analysis.profile.nodes.map((n) => n.name).join(', ')})`,
    );
  }
  const mode = analysis.profile.kubeProxy.mode;
  if (mode === 'ipvs' && !nftRuleset)
    io.stderr(
      `kubepath trace: note: the cluster profile runs kube-proxy in ipvs mode (kubeProxy.mode), which is deprecated upstream and not modelled: the trace walks the rules iptables mode would write\n`,
    );
  else if (iptablesSave && mode === 'nftables')
    io.stderr(
      `kubepath trace: note: the cluster profile runs kube-proxy in nftables mode (kubeProxy.mode); the trace walks the iptables-save dump given with --iptables-save\n`,
    );
  else if (nftRuleset && mode === 'iptables')
    io.stderr(
      `kubepath trace: note: the cluster profile runs kube-proxy in iptables mode (kubeProxy.mode); the trace walks the nftables ruleset given with --nft-ruleset\n`,
    );
  let trace: RequestTrace;
  try {
    trace = traceRequest(analysis, target, {
      ...(fromFlag !== undefined ? { from: parseOrigin(fromFlag) } : {}),
      ...(node !== undefined ? { node } : {}),
      ...(protocolFlag !== undefined ? { protocol: protocolFlag as Protocol } : {}),
      ...(iptablesSave ? { iptablesSave } : {}),
      ...(nftRuleset ? { nftRuleset } : {}),
      ...(method !== undefined ? { method } : {}),
      ...(headers.length > 0 ? { headers } : {}),
      ...(gateway !== undefined ? { gateway } : {}),
      ...(sni !== undefined ? { sni } : {}),
    });
  } catch (err) {
    if (err instanceof TraceTargetError) throw new UsageError(err.message);
    throw err;
  }
  io.stdout(
    args.flags.has('json')
      ? JSON.stringify(traceJson(trace), null, 2) + '\n'
      : args.flags.has('verbose')
        ? renderTrace(trace)
        : renderTraceSummary(trace),
  );
  // DESIGN.md: exit 1 when the request does not reach a pod or its name does not resolve.
  return trace.branches.some((b) => b.outcome === 'reached') ? EXIT_OK : EXIT_FINDINGS;
}
