// Status bar texts (the cluster, the kustomize deploy target) and the deploy target picker's
// entries (see deployTarget.ts).
// Pure (no vscode) so the wording is unit-tested.
import type { DeployTarget } from '../engine';
import type { ProxyMode } from '../engine/model';
import type { FolderSummary } from './service/protocol';

type Targets = FolderSummary['deployTargets'];

/** Status bar text and tooltip for a folder's targets; undefined when it has none. Pure. */
export function targetStatus(
  targets: Targets,
  folderName: string | undefined,
  /** The active editor's folder-relative path: the analysed target that built it is named first. */
  activePath?: string,
): { text: string; tooltip: string } | undefined {
  if (targets.all.length === 0) return undefined;
  const mine = activePath === undefined ? undefined : targetOfPath(targets, activePath);
  const ordered = mine ? [mine, ...targets.analysed.filter((t) => t !== mine)] : targets.analysed;
  const shown = ordered.map((t) => t.dir || '.');
  const first = shown[0] ?? 'none';
  const more = shown.length > 1 ? ` +${shown.length - 1}` : '';
  const others = targets.all.length - targets.analysed.length;
  const tooltip = [
    `Kubepath analyses the kustomize deploy target${shown.length === 1 ? '' : 's'} ${shown.join(', ') || '(none)'}` +
      (folderName ? ` in ${folderName}` : '') +
      '.',
    others > 0
      ? `${others} other target${others === 1 ? '' : 's'} share${others === 1 ? 's' : ''} files with ${shown.length === 1 ? 'it' : 'them'}: each is its own deployment. Click to choose.`
      : 'Click to choose another.',
  ].join('\n');
  return { text: `$(layers) ${first}${more}`, tooltip };
}

export interface TargetPick {
  readonly label: string;
  readonly description?: string;
  readonly detail?: string;
  readonly picked?: boolean;
  /** undefined: back to the setting's (or the first) target. */
  readonly dir: string | undefined;
}

/** The picker's entries for one folder: every target, the analysed ones marked. Pure. */
export function targetPicks(targets: Targets, chosen: string | undefined): TargetPick[] {
  const analysed = new Set(targets.analysed.map((t) => t.dir));
  const picks: TargetPick[] = targets.all.map((t) => ({
    label: t.dir || '.',
    description: analysed.has(t.dir) ? 'analysed' : 'not analysed (shares files with an analysed target)',
    detail: t.file,
    dir: t.dir,
    picked: t.dir === chosen,
  }));
  picks.push({
    label: 'Default',
    description: 'the kubepath.deployTarget setting, else the first target in path order',
    dir: undefined,
  });
  return picks;
}

/** What the cluster status item says of a folder's last analysis. Pure. */
export function clusterStatus(input: {
  readonly summary: FolderSummary | undefined;
  readonly analysing: boolean;
  /** The profile file used, '' for the built-in cluster. */
  readonly profilePath: string;
  /** The kubepath.kubeProxyMode setting, null = the profile's mode. */
  readonly modeSetting: ProxyMode | null;
  readonly folderName: string | undefined;
}): { text: string; tooltip: string } {
  const state = input.summary;
  if (!state) return { text: '$(sync~spin) Kubepath', tooltip: 'Kubepath: analysing the workspace…' };
  const mode = input.modeSetting ?? state.profile.kubeProxyMode;
  const nodes = state.profile.nodes.length;
  const { errors, warnings } = state.counts;
  const icon = input.analysing ? '$(sync~spin)' : errors > 0 ? '$(error)' : '$(server-environment)';
  const profile = input.profilePath || `the built-in cluster (no ${'kubepath.cluster.yaml'})`;
  // Traces walk the rules of the profile's mode (kubeProxy.mode); the setting changes what is shown.
  const traceMode = state.profile.kubeProxyMode === 'nftables' ? 'nftables' : 'iptables';
  const modeNote =
    mode === 'ipvs'
      ? ` Mode ${mode} is not modelled: no rules are shown, and traces walk the rules iptables mode would write.`
      : mode === traceMode
        ? ''
        : ` Rules are ${mode} mode’s; traces walk the rules of the profile’s kube-proxy mode (${traceMode}).`;
  return {
    text: `${icon} ${nodes} node${nodes === 1 ? '' : 's'} · ${mode}`,
    tooltip: [
      `Kubepath${input.folderName ? ` (${input.folderName})` : ''}: cluster profile ${profile}, ` +
        `${nodes} node${nodes === 1 ? '' : 's'}, service CIDR ${state.profile.serviceCIDR}, kube-proxy ${mode} mode` +
        `${input.modeSetting ? ' (kubepath.kubeProxyMode)' : ''}.${modeNote}`,
      `${count(state.serviceCount, 'service')}, ${count(state.podCount, 'pod')}, ` +
        `${count(errors, 'error')}, ${count(warnings, 'warning')}` +
        (input.analysing ? '; re-analysing…' : '.'),
      'Click to select the cluster profile.',
    ].join('\n'),
  };
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** The values files the Helm values picker offers: YAML named `*values*` outside templates, but each chart's own values.yaml (always applied). Pure. */
export function valuesCandidates(paths: Iterable<string>, chartDirs: Iterable<string>): string[] {
  const charts = [...chartDirs];
  const own = new Set(charts.map((d) => (d === '' ? 'values.yaml' : `${d}/values.yaml`)));
  const out: string[] = [];
  for (const p of paths) {
    if (own.has(p) || !/\.ya?ml$/i.test(p)) continue;
    const name = p.slice(p.lastIndexOf('/') + 1);
    if (/values/i.test(name) && !p.includes('/templates/')) out.push(p);
  }
  return out.sort();
}

/** The analysed target that built from `path` (a base, a template), else the deepest analysed one holding it. */
function targetOfPath(targets: Targets, path: string): Targets['analysed'][number] | undefined {
  const analysed = new Set(targets.analysed);
  for (const o of targets.outcomes)
    if (analysed.has(o.target) && o.resources.some((r) => r.origin.file === path)) return o.target;
  return deepestHolding(targets.analysed, path);
}

/** The target whose directory holds `path` most closely (a file of the chart or overlay). Pure. */
export function deepestHolding(targets: readonly DeployTarget[], path: string): DeployTarget | undefined {
  let best: DeployTarget | undefined;
  for (const t of targets) {
    if (t.dir !== '' && path !== t.dir && !path.startsWith(`${t.dir}/`)) continue;
    if (!best || t.dir.length > best.dir.length) best = t;
  }
  return best;
}
