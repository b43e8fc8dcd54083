// `kubepath analyze <paths…> [--cluster F] [--json]`
import type { Analysis } from '../../engine';
import { endpointsOf, toAnalyzeJson } from '../../engine';
import type { ServiceState, ValueSource } from '../../engine/model';
import { parseArgs, stringFlag } from '../args';
import { analyzeCollected, collectFiles } from '../files';
import type { CliIO } from '../io';
import { EXIT_FINDINGS, EXIT_OK } from '../io';
import { formatTable } from '../table';
import { chainsForJson } from '../chains';
import type { CommandHelp } from '../help';
import { CLUSTER_OPTION, HELM_FLAGS, HELM_OPTIONS, TARGET_OPTION } from '../help';

export const ANALYZE_USAGE = 'kubepath analyze <paths…> [--cluster profile.yaml] [--target DIR] [--json]';

export const ANALYZE_HELP: CommandHelp = {
  usage: ANALYZE_USAGE,
  summary:
    'Predicts what the cluster does with the YAML in <paths…> (files and folders, *.yaml|*.yml|*.json): each Service with its ClusterIP, NodePorts, load balancer and endpoints, each workload with its pods, and every finding with file:line. Exit 0, or 1 when a finding is an error.',
  options: [
    CLUSTER_OPTION,
    TARGET_OPTION,
    ...HELM_OPTIONS,
    { flag: '--json', description: 'print the analysis as JSON (schemaVersion 1)' },
  ],
  examples: ['kubepath analyze k8s/', 'kubepath analyze k8s/ --cluster prod.cluster.yaml --json'],
};

export function analyzeCommand(argv: string[], io: CliIO): number {
  const args = parseArgs(argv, ['cluster', 'target', ...HELM_FLAGS], ['json']);
  const input = collectFiles(args.positionals, io.cwd, stringFlag(args, 'cluster'));
  const analysis = analyzeCollected(input, args, io.cwd);
  if (args.flags.has('json')) {
    io.stdout(
      JSON.stringify(toAnalyzeJson(analysis, { chainsFor: chainsForJson(analysis) }), null, 2) + '\n',
    );
  } else {
    io.stdout(renderAnalysis(analysis, input.files.length, input.profile?.path ?? null));
  }
  return analysis.diagnostics.some((d) => d.severity === 'error') ? EXIT_FINDINGS : EXIT_OK;
}

function mark(value: string, source: ValueSource | null): string {
  return source === 'predicted' ? `${value}*` : value;
}

function portsText(s: ServiceState): string {
  return (
    s.service.ports
      .map((p, i) => {
        const target = p.targetPort === p.port ? '' : `→${p.targetPort}`;
        const node = p.nodePort ? `:${mark(String(p.nodePort), s.nodePortSources[i] ?? null)}` : '';
        const proto = p.protocol === 'TCP' ? '' : `/${p.protocol}`;
        return `${p.port}${target}${node}${proto}`;
      })
      .join(',') || '<none>'
  );
}

function lbText(s: ServiceState): string {
  if (!s.loadBalancer) return '';
  if (s.loadBalancer.ingress.length === 0) return '<pending>';
  return s.loadBalancer.ingress
    .map((i) => mark(i.ip ?? i.hostname ?? '', s.loadBalancer?.ingressSource ?? null))
    .join(',');
}

export function renderAnalysis(a: Analysis, fileCount: number, profilePath: string | null): string {
  const out: string[] = [];
  const p = a.profile;
  out.push(
    `kubepath: ${fileCount} file(s), ${a.objects.length} object(s); cluster ${profilePath ?? '(built-in profile)'}: ${p.nodes.length} nodes, service CIDR ${p.serviceCIDR}, pod CIDR ${p.podCIDR}, cloud ${p.cloud.provider}\n\n`,
  );
  if (a.services.length > 0) {
    out.push(
      formatTable(
        ['SERVICE', 'TYPE', 'CLUSTER-IP', 'PORT(S)', 'ENDPOINTS', 'LOAD-BALANCER'],
        a.services.map((s) => {
          const eps = endpointsOf(s);
          const ready = eps.filter((e) => e.ready).length;
          return [
            `${s.service.metadata.namespace}/${s.service.metadata.name}`,
            s.service.type,
            s.service.type === 'ExternalName'
              ? s.service.externalName
              : mark(s.service.clusterIP, s.clusterIPSource),
            portsText(s),
            s.service.type === 'ExternalName' ? '-' : `${ready}/${eps.length}`,
            lbText(s),
          ];
        }),
      ),
    );
    out.push(
      '  * predicted: the real cluster picks this value at run time; kubepath picks a stable, plausible one\n',
    );
    for (const s of a.services) {
      const eps = endpointsOf(s);
      if (eps.length === 0 && !s.loadBalancer?.pendingReason) continue;
      out.push(
        `\n${s.service.metadata.namespace}/${s.service.metadata.name} (${s.source.file}:${s.source.line}) → ${s.dns}\n`,
      );
      if (s.loadBalancer?.pendingReason) out.push(`  load balancer: ${s.loadBalancer.pendingReason}\n`);
      // Columns as wide as the longest pod and node name of the Service (a chart's
      // `release-name-web-79cdfcd875-crf5q` keeps the addresses aligned).
      const podWidth = Math.max(32, ...eps.map((e) => (e.pod ?? '-').length));
      const nodeWidth = Math.max(10, ...eps.map((e) => (e.node ?? '-').length));
      const ipWidth = Math.max(15, ...eps.map((e) => e.ip.length));
      for (const e of eps) {
        const ports = e.ports.map((x) => `${x.port ?? '*'}${x.name ? ` (${x.name})` : ''}`).join(', ');
        const state = e.ready ? 'ready' : e.serving ? 'serving, terminating' : 'not ready';
        out.push(
          `  ${(e.pod ?? '-').padEnd(podWidth)} ${e.ip.padEnd(ipWidth)} ${(e.node ?? '-').padEnd(nodeWidth)} ports ${ports || '-'}  ${state}\n`,
        );
      }
    }
  } else {
    out.push('No Services found.\n');
  }
  if (a.workloads.length > 0) {
    out.push('\n');
    out.push(
      formatTable(
        ['WORKLOAD', 'PODS', 'NODES'],
        a.workloads.map((w) => [
          `${w.kind} ${w.namespace}/${w.name}`,
          String(w.pods.length),
          [...new Set(w.pods.map((pod) => pod.nodeName || '<pending>'))].join(','),
        ]),
      ),
    );
  }
  if (a.diagnostics.length > 0) {
    out.push('\n');
    for (const d of a.diagnostics) {
      out.push(`${d.range.file}:${d.range.line}:${d.range.column}: ${d.severity} [${d.code}] ${d.message}\n`);
    }
  }
  const count = (sev: string): number => a.diagnostics.filter((d) => d.severity === sev).length;
  out.push(
    `\n${a.services.length} service(s), ${a.workloads.length} workload(s), ${count('error')} error(s), ${count('warning')} warning(s)\n`,
  );
  return out.join('');
}
