// The analysis side of the extension: one incremental analyzer per workspace folder and the
// answers every front-end feature asks of its Analysis (hover, CodeLens, navigation,
// completion, the side panel, rules and rendered documents, traces). It runs in the
// analysis worker (worker.ts), off the extension host's thread; the host only sends file
// changes and questions (protocol.ts). No vscode.
import type { Analysis, WorkspaceFile } from '../../engine';
import type { Diagnostic, LoadedObject, ServiceState } from '../../engine/model';
import { keyRangeAt, POD_TEMPLATE_KINDS, rangeAt } from '../../engine/model';
import type { SourceRange } from '../../engine/model';
import { analyzeInSlices } from '../analyzeInSlices';
import { createFolderAnalyzer, engine, traceFor } from '../engineLoader';
import {
  containerPortHover,
  operatorHover,
  SELECT_TARGET_COMMAND,
  serviceHover,
  servicePortHover,
  serviceSelectorHover,
  serviceLensTitle,
  templateHover,
  TRACE_COMMAND,
  workloadHover,
} from '../hoverText';
import { l7LensOf, l7RulesHover, l7SummaryHover, serviceRoutesLines } from '../l7HoverText';
import { profileHoverMarkdown } from '../profileHoverText';
import { referencedPaths } from './kustomizeReferences';
import { containerPortAt, fieldPathAt, objectAt, serviceFor, targetAt, templatePathOf } from '../lookup';
import { buildSnapshot } from '../panelSnapshot';
import { chainsForFirstNode, iptablesFor, nftablesFor } from '../proxyView';
import { entryPointsFor } from '../traceText';
import type { Analyzer } from '../analyzeInSlices';
import type {
  AnalyzeRequest,
  AnswerOf,
  CompletionAnswer,
  FilePosition,
  FolderSummary,
  HoverAnswer,
  LensAnswer,
  RulesAnswer,
  ServiceBrief,
  ServiceRequest,
} from './protocol';
import { diagnosticPieces } from './protocol';

interface FolderState {
  readonly analyzer: Analyzer;
  /** The folder's files as the host last sent them (path → file). */
  readonly files: Map<string, WorkspaceFile>;
  /** Bumped by every analyze request: a run gives up when a newer one arrived. */
  run: number;
  analysis: Analysis | undefined;
  /** The diagnostics the host holds, per file (as JSON): summaries send only what changed. */
  readonly hostDiagnostics: Map<string, string>;
}

export interface ServiceOptions {
  /** Gives the event loop a turn between slices of parsing (messages are received then). */
  pause: () => Promise<void>;
  now?: () => number;
  createAnalyzer?: () => Analyzer;
}

export class AnalysisService {
  private readonly folders = new Map<string, FolderState>();

  constructor(private readonly options: ServiceOptions) {}

  /** Answers one request (analyses are async: they parse in slices and may be superseded). */
  async handle<R extends ServiceRequest>(request: R): Promise<AnswerOf<R>> {
    return (await this.dispatch(request)) as AnswerOf<R>;
  }

  private async dispatch(r: ServiceRequest): Promise<unknown> {
    switch (r.op) {
      case 'files': {
        const folder = this.folder(r.folder);
        if (r.full) folder.files.clear();
        for (const path of r.delete) folder.files.delete(path);
        for (const f of r.set) folder.files.set(f.path, f);
        return null;
      }
      case 'analyze':
        return this.analyze(r);
      case 'services':
        return (this.analysis(r.folder)?.services ?? []).map(serviceBrief);
      case 'forget':
        this.folders.delete(r.folder);
        return null;
      case 'hover':
        return this.hover(r, r.kubeProxyMode);
      case 'lenses':
        return this.lenses(r.folder, r.path);
      case 'locations':
        return this.locations(r);
      case 'completions':
        return this.completions(r.folder, r.site, r.namespace);
      case 'profileCompletions':
        return engine().profileCompletions(r.text, r.offset);
      case 'profileHover': {
        const hover = engine().profileHoverAt(r.file, r.text, r.line, r.column);
        return hover ? { markdown: profileHoverMarkdown(hover), range: hover.range } : null;
      }
      case 'profileDiagnostics':
        return engine().loadClusterProfile(r.file, r.text).diagnostics;
      case 'panel':
        return buildSnapshot({
          folders: r.folders.flatMap((f) => {
            const state = this.folders.get(f.folder)?.analysis;
            return state ? [{ folder: f.name, state }] : [];
          }),
          selection: r.selection,
          status: r.status,
          cursor: r.cursor
            ? {
                folder: r.folders.find((f) => f.folder === r.cursor?.folder)?.name ?? '\u0000',
                file: r.cursor.path,
                line: r.cursor.line,
              }
            : null,
          followed: r.followed ?? null,
        });
      case 'rules':
        return this.rules(r.folder, r.node, r.mode, r.profileLabel);
      case 'rendered': {
        const folder = this.folders.get(r.folder);
        const target = folder?.analysis?.deployTargets.all.find(
          (t) => (t.dir === '' ? '.' : t.dir) === r.dir,
        );
        if (!folder || !target) return null;
        const files = new Map<string, string>();
        for (const [path, f] of folder.files) if (f.unreadable === undefined) files.set(path, f.text);
        return engine().renderedText(
          files,
          target,
          r.helm,
          undefined,
          r.showOnly === undefined ? {} : { showOnly: [r.showOnly] },
        );
      }
      case 'entryPoints': {
        const analysis = this.analysis(r.folder);
        const service = analysis && findService(analysis, r.namespace, r.name);
        const port = service?.service.ports.find((p) => engine().portKey(p) === r.portKey);
        return analysis && service && port ? entryPointsFor(analysis, service, port) : [];
      }
      case 'pods':
        return (this.analysis(r.folder)?.pods ?? []).map((p) => ({
          namespace: p.metadata.namespace,
          name: p.metadata.name,
          podIP: p.podIP,
          nodeName: p.nodeName,
        }));
      case 'trace': {
        const analysis = this.analysis(r.folder);
        if (!analysis) return { ok: false, message: 'the workspace folder has not been analysed' };
        try {
          const trace = traceFor(analysis, r.request);
          return {
            ok: true,
            text: engine().renderTrace(trace),
            summary: engine().renderTraceSummary(trace),
            from: trace.from,
            outcome: trace.outcome,
            backend: trace.l7?.backend ? { ...trace.l7.backend.service, port: trace.l7.backend.port } : null,
          };
        } catch (error) {
          // TraceTargetError: a bad target/origin, worded for the user.
          return { ok: false, message: error instanceof Error ? error.message : String(error) };
        }
      }
      case 'references':
        return referencedPaths(r.path, r.text);
    }
  }

  private analysis(folder: string): Analysis | undefined {
    return this.folders.get(folder)?.analysis;
  }

  private folder(key: string): FolderState {
    let folder = this.folders.get(key);
    if (!folder) {
      folder = {
        analyzer: (this.options.createAnalyzer ?? createFolderAnalyzer)(),
        files: new Map(),
        run: 0,
        analysis: undefined,
        hostDiagnostics: new Map(),
      };
      this.folders.set(key, folder);
    }
    return folder;
  }

  private async analyze(r: AnalyzeRequest): Promise<AnswerOf<AnalyzeRequest>> {
    const folder = this.folder(r.folder);
    const run = ++folder.run;
    const started = (this.options.now ?? performance.now.bind(performance))();
    const state = await analyzeInSlices(
      folder.analyzer,
      {
        files: [...folder.files.values()],
        limits: r.limits,
        profile: r.profile,
        ...(r.target !== undefined ? { target: r.target } : {}),
        ...(r.helm ? { helm: r.helm } : {}),
      },
      {
        pause: this.options.pause,
        cancelled: () => folder.run !== run,
        ...(this.options.now ? { now: this.options.now } : {}),
      },
    );
    if (state === undefined || folder.run !== run || this.folders.get(r.folder) !== folder)
      return { cancelled: true };
    folder.analysis = state;
    if (r.full) folder.hostDiagnostics.clear();
    return {
      summary: summarize(state, folder.hostDiagnostics, r.full),
      ms: (this.options.now ?? performance.now.bind(performance))() - started,
    };
  }

  private hover(p: FilePosition, mode: HoverModeSetting): HoverAnswer | null {
    const analysis = this.analysis(p.folder);
    if (!analysis) return null;
    const pos = { line: p.line, column: p.column };
    const target = targetAt(analysis, p.path, pos);
    // A template's values (where each was set) and what the deploy targets build from the line.
    const built = templateHover(analysis, p.path, pos);
    let markdown = '';
    let commands = false;
    switch (target?.kind) {
      case undefined: {
        // An HTTPRoute rule or an Ingress path: the L7 hop it makes (engine l7Routes).
        const l7 = l7HoverAt(analysis, p);
        if (l7) {
          markdown = l7;
          commands = true;
        } else if (!built) return null;
        break;
      }
      case 'service':
      case 'targetPort':
      case 'selectorLabel': {
        // By context: a port entry shows that port, the selector the pods it selects, the rest the card.
        const onSelector = target.kind === 'selectorLabel' || target.path === 'spec.selector';
        if (onSelector) {
          markdown = serviceSelectorHover(analysis, target.object, target.service);
          break;
        }
        const context = {
          folder: p.folder,
          chainsFor: chainsForFirstNode(analysis, mode ?? analysis.profile.kubeProxy.mode),
        };
        markdown =
          target.portIndex === null
            ? serviceHover(target.service, null, context)
            : servicePortHover(analysis, target.service, target.portIndex, context);
        const meta = target.service.service.metadata;
        const routes = serviceRoutesLines(
          engine().l7Routes(analysis, { service: { namespace: meta.namespace, name: meta.name } }),
          meta,
          target.portIndex === null ? null : (target.service.service.ports[target.portIndex]?.port ?? null),
          p.folder,
        );
        if (routes.length > 0) markdown = `${markdown}\n\n${routes.join('\n')}`;
        commands = true;
        break;
      }
      case 'workload':
        markdown = workloadHover(analysis, target.object, target.workload);
        break;
      case 'operator': {
        const created = engine().operatorObjects(analysis, target.object);
        if (!created) return null;
        markdown = operatorHover(target.object, created);
        break;
      }
      case 'containerPort': {
        const cp = containerPortAt(target.workload, p.path, pos, target.containerIndex, target.portIndex);
        if (!cp) return null;
        markdown = containerPortHover(analysis, target.object, target.workload, cp);
        break;
      }
    }
    if (built) markdown = markdown ? `${markdown}\n\n---\n\n${built}` : built;
    return {
      markdown,
      commands: [...(commands ? [TRACE_COMMAND] : []), ...(built ? [SELECT_TARGET_COMMAND] : [])],
    };
  }

  private lenses(folderKey: string, path: string): LensAnswer[] {
    const analysis = this.analysis(folderKey);
    if (!analysis) return [];
    const lenses: LensAnswer[] = [];
    const routes = new Set<string>();
    for (const object of analysis.objects) {
      if (object.file !== path || (object.kind !== 'HTTPRoute' && object.kind !== 'Ingress')) continue;
      const kind = object.kind === 'HTTPRoute' ? 'httproute' : 'ingress';
      const key = `${kind}:${object.namespace}/${object.name}`;
      if (routes.has(key)) continue;
      routes.add(key);
      // One lens per rule or path: Trace Request with the request that reaches it.
      for (const rule of engine().l7Routes(analysis, {
        route: { kind, namespace: object.namespace, name: object.name },
      })) {
        if (rule.ref.source.file === path) lenses.push(l7LensOf(rule, folderKey));
      }
    }
    for (const object of analysis.objects) {
      if (object.file !== path || object.kind !== 'Service') continue;
      const service = serviceFor(analysis, object);
      if (!service) continue;
      const only = service.service.ports.length === 1 ? service.service.ports[0] : undefined;
      lenses.push({
        line: Math.max(0, object.range.line - 1),
        title: serviceLensTitle(service),
        args: {
          folder: folderKey,
          namespace: service.service.metadata.namespace,
          name: service.service.metadata.name,
          ...(only ? { port: only.port, protocol: only.protocol } : {}),
        },
      });
    }
    return lenses;
  }

  /** Selector label ↔ pod template labels, targetPort ↔ containerPort, in both directions. */
  private locations(p: FilePosition): SourceRange[] {
    const analysis = this.analysis(p.folder);
    if (!analysis) return [];
    const pos = { line: p.line, column: p.column };
    const target = targetAt(analysis, p.path, pos);
    if (!target) return [];
    switch (target.kind) {
      case 'selectorLabel':
        return engine()
          .selection(analysis, target.service)
          .workloads.map((o) => keyRangeAt(o, [...templatePath(o), 'metadata', 'labels', target.key]));
      case 'targetPort': {
        const seen = new Set<string>();
        const out: SourceRange[] = [];
        for (const landing of engine().selection(analysis, target.service).ports[target.portIndex] ?? []) {
          for (const cp of landing.containerPorts) {
            const key = `${cp.source.file}:${cp.source.line}:${cp.source.column}`;
            if (seen.has(key)) continue;
            seen.add(key);
            out.push(cp.source);
          }
        }
        return out;
      }
      case 'workload': {
        // From a pod template label back to the Service selectors that use it.
        const label = /labels\.(?:([^.[\]]+)|\['(.+)'\])$/.exec(target.path);
        const key = label?.[1] ?? label?.[2];
        return engine()
          .servicesSelecting(analysis, target.object)
          .flatMap((s) =>
            serviceObjects(analysis, s).map((o) =>
              key && s.service.selector?.[key] !== undefined
                ? keyRangeAt(o, ['spec', 'selector', key])
                : o.range,
            ),
          );
      }
      case 'operator':
        // The objects it creates are written nowhere: nothing to go to.
        return [];
      case 'containerPort': {
        const cp = containerPortAt(target.workload, p.path, pos, target.containerIndex, target.portIndex);
        if (!cp) return [];
        const out: SourceRange[] = [];
        for (const s of engine().servicesSelecting(analysis, target.object)) {
          const landing = engine().selection(analysis, s).ports;
          s.service.ports.forEach((_p, i) => {
            if (!landing[i]?.some((t) => t.containerPorts.includes(cp))) return;
            for (const o of serviceObjects(analysis, s))
              out.push(rangeAt(o, ['spec', 'ports', i, 'targetPort']));
          });
        }
        return out;
      }
      case 'service':
        return [];
    }
  }

  /** Selector keys/values from the labels pod templates carry; targetPort from declared port names. */
  private completions(
    folderKey: string,
    site: { kind: string; key?: string },
    namespace: string,
  ): CompletionAnswer[] {
    const analysis = this.analysis(folderKey);
    if (!analysis) return [];
    const items: CompletionAnswer[] = [];
    const seen = new Set<string>();
    const add = (label: string, detail: string): void => {
      if (seen.has(label)) return;
      seen.add(label);
      items.push({ label, detail });
    };
    for (const o of analysis.objects) {
      if (!POD_TEMPLATE_KINDS.has(o.kind) || o.namespace !== namespace) continue;
      const labels = engine().podLabelsOf(analysis, o);
      if (site.kind === 'selectorKey') {
        for (const [k, v] of Object.entries(labels)) add(`${k}: ${v}`, `label of ${o.kind} ${o.name}`);
      } else if (site.kind === 'selectorValue') {
        const v = site.key === undefined ? undefined : labels[site.key];
        if (v !== undefined) add(v, `${site.key ?? ''} of ${o.kind} ${o.name}`);
      } else {
        for (const pod of (engine().workloadOf(analysis, o)?.pods ?? []).slice(0, 1)) {
          for (const c of pod.containers) {
            for (const cp of c.ports) {
              if (cp.name) add(cp.name, `containerPort ${cp.containerPort} of ${o.kind} ${o.name}`);
              add(String(cp.containerPort), `containerPort of ${o.kind} ${o.name}`);
            }
          }
        }
      }
    }
    return items;
  }

  private rules(folderKey: string, node: string, mode: HoverModeSetting, profileLabel: string): RulesAnswer {
    const started = performance.now();
    const answer = (text: string, lines = 0): RulesAnswer => ({
      text,
      lines,
      ms: performance.now() - started,
    });
    const analysis = this.analysis(folderKey);
    if (!analysis) return answer('# kubepath: the workspace has not been analysed yet\n');
    const m = mode ?? analysis.profile.kubeProxy.mode;
    if (m !== 'iptables' && m !== 'nftables')
      return answer(
        `# kubepath: kube-proxy mode "${m}" is not simulated; iptables and nftables modes are.\n`,
      );
    if (!analysis.profile.nodes.some((n) => n.name === node))
      return answer(`# kubepath: no node "${node}" in the cluster profile\n`);
    const version = analysis.profile.kubernetesVersion;
    if (m === 'nftables') {
      const out = nftablesFor(analysis, node);
      const min = engine().nftablesLayoutMinVersion;
      const layout =
        compareVersions(version, min) < 0
          ? `; kube-proxy before ${min} uses another chain layout, which is not modelled: this is the ${min} layout`
          : '';
      return answer(
        `# kubepath: predicted \`nft list table ip kube-proxy\` of node ${node} (kube-proxy nftables mode, Kubernetes ` +
          `${version}, ${profileLabel}${layout}); regenerated as the YAML changes\n` +
          out.text,
        out.text.split('\n').length,
      );
    }
    const out = iptablesFor(analysis, node);
    return answer(
      `# kubepath: predicted iptables-save of node ${node} (kube-proxy iptables mode, Kubernetes ` +
        `${version}, ${profileLabel}); regenerated as the YAML changes\n` +
        out.text,
      out.text.split('\n').length,
    );
  }
}

/**
 * The L7 hover at a position in an HTTPRoute or Ingress: the card of the rule (`spec.rules[i]`),
 * Ingress path (`spec.rules[i].http.paths[j]`) or defaultBackend under the cursor; elsewhere
 * in the object (its name, parentRefs, hostnames) one line per rule.
 */
function l7HoverAt(analysis: Analysis, p: FilePosition): string | null {
  const object = objectAt(analysis, p.path, p);
  if (object?.kind !== 'HTTPRoute' && object?.kind !== 'Ingress') return null;
  const rules = engine().l7Routes(analysis, { file: p.path, line: object.range.line });
  if (rules.length === 0) return null;
  const field = fieldPathAt(object, p);
  const at = /^spec\.rules\[(\d+)\](?:\.http\.paths\[(\d+)\])?/.exec(field);
  const under = /^spec\.defaultBackend\b/.test(field)
    ? rules.filter((r) => r.ref.rule === -1)
    : at
      ? rules.filter(
          (r) => r.ref.rule === Number(at[1]) && (at[2] === undefined || r.ref.path === Number(at[2])),
        )
      : [];
  return under.length > 0 ? l7RulesHover(under, p.folder) : l7SummaryHover(rules, p.folder);
}

type HoverModeSetting = Analysis['profile']['kubeProxy']['mode'] | null;

/**
 * What the host keeps of an analysis. `held` is what the host holds of the diagnostics (per
 * file, as JSON), updated to this analysis: only the files whose findings changed travel.
 */
export function summarize(
  state: Analysis,
  held: Map<string, string> = new Map(),
  full = held.size === 0,
): FolderSummary {
  const byFile = new Map<string, Diagnostic[]>();
  let errors = 0;
  let warnings = 0;
  for (const d of state.diagnostics) {
    if (d.severity === 'error') errors++;
    else if (d.severity === 'warning') warnings++;
    const list = byFile.get(d.range.file);
    if (list) list.push(d);
    else byFile.set(d.range.file, [d]);
  }
  const files: [file: string, json: string][] = [];
  for (const [file, list] of byFile) {
    const json = JSON.stringify(list);
    if (!full && held.get(file) === json) continue;
    held.set(file, json);
    files.push([file, json]);
  }
  for (const file of [...held.keys()]) {
    if (byFile.has(file)) continue;
    held.delete(file);
    if (!full) files.push([file, '[]']);
  }
  return {
    diagnostics: { full, pieces: diagnosticPieces(files) },
    counts: { errors, warnings, diagnostics: state.diagnostics.length },
    serviceCount: state.services.length,
    podCount: state.pods.length,
    profile: {
      nodes: state.profile.nodes.map((n) => ({ name: n.name, ips: [...n.ips] })),
      kubeProxyMode: state.profile.kubeProxy.mode,
      serviceCIDR: state.profile.serviceCIDR,
      kubernetesVersion: state.profile.kubernetesVersion,
    },
    deployTargets: state.deployTargets,
  };
}

function serviceBrief(s: ServiceState): ServiceBrief {
  return {
    namespace: s.service.metadata.namespace,
    name: s.service.metadata.name,
    type: s.service.type,
    clusterIP: s.service.clusterIP,
    file: s.source.file,
    ports: s.service.ports.map((p) => ({
      key: engine().portKey(p),
      name: p.name,
      protocol: p.protocol,
      port: p.port,
      targetPort: String(p.targetPort),
    })),
  };
}

function findService(analysis: Analysis, namespace: string, name: string): ServiceState | undefined {
  return analysis.services.find(
    (s) => s.service.metadata.namespace === namespace && s.service.metadata.name === name,
  );
}

function serviceObjects(analysis: Analysis, service: ServiceState): LoadedObject[] {
  return analysis.objects.filter(
    (o) =>
      o.kind === 'Service' &&
      o.namespace === service.service.metadata.namespace &&
      o.name === service.service.metadata.name,
  );
}

/** 'spec.template.' → ['spec', 'template']: where the pod template sits in `object`. */
function templatePath(object: LoadedObject): string[] {
  return templatePathOf(object).split('.').filter(Boolean);
}

/** `1.33` vs `1.34` (major.minor; a missing part counts as 0). */
function compareVersions(a: string, b: string): number {
  const pa = a.replace(/^v/, '').split('.').map(Number);
  const pb = b.replace(/^v/, '').split('.').map(Number);
  for (let i = 0; i < 2; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
