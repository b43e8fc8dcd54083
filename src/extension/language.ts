import * as vscode from 'vscode';
import type { Analysis } from '../engine';
import type { LoadedObject, ServiceState } from '../engine/model';
import { completionSite } from './completionContext';
import { toLocation, toPosition1 } from './convert';
import {
  containerPortHover,
  SELECT_TARGET_COMMAND,
  serviceHover,
  serviceLensTitle,
  templateHover,
  TRACE_COMMAND,
  workloadHover,
} from './hoverText';
import type { TraceRequestArgs } from './hoverText';
import { engine } from './engine';
import { guardAsync } from './log';
import { containerPortAt, serviceFor, targetAt, templatePathOf } from './lookup';
import { chainsForFirstNode } from './proxyView';
import { readSettings } from './settings';
import type { FolderCluster, WorkspaceModel } from './workspaceModel';

export const KUBERNETES_SELECTOR: vscode.DocumentSelector = [
  { language: 'yaml' },
  { language: 'json' },
  { language: 'jsonc' },
];

interface Resolved {
  cluster: FolderCluster;
  analysis: Analysis;
  path: string;
}

async function resolve(model: WorkspaceModel, document: vscode.TextDocument): Promise<Resolved | undefined> {
  const found = model.forUri(document.uri);
  if (!found) return undefined;
  await model.settled();
  const analysis = found.cluster.state;
  if (!analysis) return undefined;
  return { cluster: found.cluster, analysis, path: found.path };
}

function pathSegments(prefix: string): (string | number)[] {
  // 'spec.template.' → ['spec', 'template']; only simple dotted prefixes are produced by templatePathOf.
  return prefix.split('.').filter(Boolean);
}

function templateLabelRange(object: LoadedObject, key: string) {
  return engine().keyRangeAt(object, [...pathSegments(templatePathOf(object)), 'metadata', 'labels', key]);
}

export class KubepathHoverProvider implements vscode.HoverProvider {
  constructor(private readonly model: WorkspaceModel) {}

  provideHover(document: vscode.TextDocument, position: vscode.Position): Promise<vscode.Hover | undefined> {
    return guardAsync('hover', undefined, async () => {
      const r = await resolve(this.model, document);
      if (!r) return undefined;
      const pos = toPosition1(position);
      const target = targetAt(r.analysis, r.path, pos);
      const built = templateHover(r.analysis, r.path, pos);
      let markdown = '';
      let commands = false;
      switch (target?.kind) {
        case undefined:
          if (!built) return undefined;
          break;
        case 'service':
        case 'targetPort':
        case 'selectorLabel':
          markdown = serviceHover(target.service, target.kind === 'selectorLabel' ? null : target.portIndex, {
            folder: r.cluster.folder.uri.toString(),
            chainsFor: chainsForFirstNode(
              r.analysis,
              readSettings(r.cluster.folder.uri).kubeProxyMode ?? r.analysis.profile.kubeProxy.mode,
            ),
          });
          commands = true;
          break;
        case 'workload':
          markdown = workloadHover(r.analysis, target.object, target.workload);
          break;
        case 'containerPort': {
          const cp = containerPortAt(target.workload, r.path, pos, target.containerIndex, target.portIndex);
          if (!cp) return undefined;
          markdown = containerPortHover(r.analysis, target.object, target.workload, cp);
          break;
        }
      }
      if (built) markdown = markdown ? `${markdown}\n\n---\n\n${built}` : built;
      const content = new vscode.MarkdownString(markdown);
      const enabled = [...(commands ? [TRACE_COMMAND] : []), ...(built ? [SELECT_TARGET_COMMAND] : [])];
      if (enabled.length > 0) content.isTrusted = { enabledCommands: enabled };
      const range = document.getWordRangeAtPosition(position, /[\w./-]+/);
      return new vscode.Hover(content, range);
    });
  }
}

export class KubepathCodeLensProvider implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;

  constructor(private readonly model: WorkspaceModel) {
    model.onDidChange(() => this.changed.fire());
  }

  provideCodeLenses(document: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    return guardAsync('code lenses', [], () => {
      // No settled(): lenses follow the last analysis and refresh when the next one lands.
      const found = this.model.forUri(document.uri);
      const analysis = found?.cluster.state;
      if (!found || !analysis) return [];
      const lenses: vscode.CodeLens[] = [];
      for (const object of analysis.objects) {
        if (object.file !== found.path || object.kind !== 'Service') continue;
        const service = serviceFor(analysis, object);
        if (!service) continue;
        const line = Math.max(0, object.range.line - 1);
        const args: TraceRequestArgs = {
          folder: found.cluster.folder.uri.toString(),
          namespace: service.service.metadata.namespace,
          name: service.service.metadata.name,
          ...(service.service.ports.length === 1 && service.service.ports[0]
            ? { port: service.service.ports[0].port, protocol: service.service.ports[0].protocol }
            : {}),
        };
        lenses.push(
          new vscode.CodeLens(new vscode.Range(line, 0, line, 0), {
            title: serviceLensTitle(service),
            command: TRACE_COMMAND,
            arguments: [args],
          }),
        );
      }
      return lenses;
    });
  }
}

/** Selector label ↔ pod template labels, targetPort ↔ containerPort, in both directions. */
export class KubepathNavigationProvider implements vscode.DefinitionProvider, vscode.ReferenceProvider {
  constructor(private readonly model: WorkspaceModel) {}

  provideDefinition(document: vscode.TextDocument, position: vscode.Position): Promise<vscode.Location[]> {
    return guardAsync('definition', [], async () => this.locations(document, position));
  }

  provideReferences(document: vscode.TextDocument, position: vscode.Position): Promise<vscode.Location[]> {
    return guardAsync('references', [], async () => this.locations(document, position));
  }

  private async locations(
    document: vscode.TextDocument,
    position: vscode.Position,
  ): Promise<vscode.Location[]> {
    const r = await resolve(this.model, document);
    if (!r) return [];
    const pos = toPosition1(position);
    const target = targetAt(r.analysis, r.path, pos);
    if (!target) return [];
    const uriOf = (file: string) => r.cluster.uriOf(file);
    switch (target.kind) {
      case 'selectorLabel':
        return engine()
          .selection(r.analysis, target.service)
          .workloads.map((o) => toLocation(templateLabelRange(o, target.key), uriOf));
      case 'targetPort': {
        const port = target.service.service.ports[target.portIndex];
        if (!port) return [];
        const seen = new Set<string>();
        const out: vscode.Location[] = [];
        for (const landing of engine().selection(r.analysis, target.service).ports[target.portIndex] ?? []) {
          for (const cp of landing.containerPorts) {
            const key = `${cp.source.file}:${cp.source.line}:${cp.source.column}`;
            if (seen.has(key)) continue;
            seen.add(key);
            out.push(toLocation(cp.source, uriOf));
          }
        }
        return out;
      }
      case 'workload': {
        // From a pod template label back to the Service selectors that use it.
        const label = /labels\.(?:([^.[\]]+)|\['(.+)'\])$/.exec(target.path);
        const key = label?.[1] ?? label?.[2];
        return engine()
          .servicesSelecting(r.analysis, target.object)
          .flatMap((s) =>
            serviceObjects(r.analysis, s).map((o) =>
              toLocation(
                key && s.service.selector?.[key] !== undefined
                  ? engine().keyRangeAt(o, ['spec', 'selector', key])
                  : o.range,
                uriOf,
              ),
            ),
          );
      }
      case 'containerPort': {
        const cp = containerPortAt(target.workload, r.path, pos, target.containerIndex, target.portIndex);
        if (!cp) return [];
        const out: vscode.Location[] = [];
        for (const s of engine().servicesSelecting(r.analysis, target.object)) {
          const landing = engine().selection(r.analysis, s).ports;
          s.service.ports.forEach((_p, i) => {
            if (!landing[i]?.some((t) => t.containerPorts.includes(cp))) return;
            for (const o of serviceObjects(r.analysis, s))
              out.push(toLocation(engine().rangeAt(o, ['spec', 'ports', i, 'targetPort']), uriOf));
          });
        }
        return out;
      }
      case 'service':
        return [];
    }
  }
}

function serviceObjects(analysis: Analysis, service: ServiceState): LoadedObject[] {
  return analysis.objects.filter(
    (o) =>
      o.kind === 'Service' &&
      o.namespace === service.service.metadata.namespace &&
      o.name === service.service.metadata.name,
  );
}

/** Selector keys/values from the labels pod templates carry; targetPort from declared port names. */
export class KubepathCompletionProvider implements vscode.CompletionItemProvider {
  constructor(private readonly model: WorkspaceModel) {}

  provideCompletionItems(
    document: vscode.TextDocument,
    position: vscode.Position,
  ): Promise<vscode.CompletionItem[]> {
    return guardAsync('completion', [], () => {
      const found = this.model.forUri(document.uri);
      const analysis = found?.cluster.state;
      if (!found || !analysis) return [];
      const lines = document.getText().split(/\r?\n/);
      const site = completionSite(lines, position.line, position.character);
      if (!site) return [];
      const namespace = namespaceAt(lines, position.line);
      const workloads = analysis.objects.filter(
        (o) => engine().POD_TEMPLATE_KINDS.has(o.kind) && o.namespace === namespace,
      );
      const items: vscode.CompletionItem[] = [];
      const seen = new Set<string>();
      const add = (label: string, detail: string, insert?: string): void => {
        if (seen.has(label)) return;
        seen.add(label);
        const item = new vscode.CompletionItem(label, vscode.CompletionItemKind.Value);
        item.detail = detail;
        if (insert !== undefined) item.insertText = insert;
        items.push(item);
      };
      for (const o of workloads) {
        const labels = engine().podLabelsOf(analysis, o);
        if (site.kind === 'selectorKey') {
          for (const [k, v] of Object.entries(labels)) add(`${k}: ${v}`, `label of ${o.kind} ${o.name}`);
        } else if (site.kind === 'selectorValue') {
          const v = labels[site.key];
          if (v !== undefined) add(v, `${site.key} of ${o.kind} ${o.name}`);
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
    });
  }
}

/** metadata.namespace of the YAML document holding `lineIndex`, 'default' when absent. */
function namespaceAt(lines: string[], lineIndex: number): string {
  let start = lineIndex;
  while (start > 0 && !/^---/.test(lines[start] ?? '')) start--;
  let inMetadata = false;
  for (let i = start; i < lines.length; i++) {
    const text = lines[i] ?? '';
    if (i > lineIndex && /^---/.test(text)) break;
    if (/^metadata:/.test(text)) inMetadata = true;
    else if (/^\S/.test(text)) inMetadata = false;
    const m = inMetadata ? /^\s+namespace:\s*["']?([\w.-]+)/.exec(text) : null;
    if (m?.[1]) return m[1];
  }
  return 'default';
}

export function registerLanguageFeatures(context: vscode.ExtensionContext, model: WorkspaceModel): void {
  const navigation = new KubepathNavigationProvider(model);
  context.subscriptions.push(
    vscode.languages.registerHoverProvider(KUBERNETES_SELECTOR, new KubepathHoverProvider(model)),
    vscode.languages.registerCodeLensProvider(KUBERNETES_SELECTOR, new KubepathCodeLensProvider(model)),
    vscode.languages.registerDefinitionProvider(KUBERNETES_SELECTOR, navigation),
    vscode.languages.registerReferenceProvider(KUBERNETES_SELECTOR, navigation),
    vscode.languages.registerCompletionItemProvider(
      KUBERNETES_SELECTOR,
      new KubepathCompletionProvider(model),
      ':',
      ' ',
    ),
  );
}
