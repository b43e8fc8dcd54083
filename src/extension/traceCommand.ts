import * as vscode from 'vscode';
import type { ServicePort, ServiceState } from '../engine/model';
import { engine, traceFor } from './engine';
import type { TraceRequestArgs } from './hoverText';
import { log } from './log';
import type { RequestTrace } from '../engine/trace/request';
import { entryPointsFor } from './traceText';
import type { EntryPoint, TraceRequest } from './traceText';
import type { FolderCluster, WorkspaceModel } from './workspaceModel';

/** Shows a traced service/port/entry in the side panel (the request path view). */
export type ShowInPanel = (
  cluster: FolderCluster,
  service: ServiceState,
  port: ServicePort,
  entry: EntryPoint['entry'],
  node: string | null,
) => Promise<void>;

function isTraceArgs(value: unknown): value is TraceRequestArgs {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v['namespace'] === 'string' && typeof v['name'] === 'string';
}

async function pickService(
  clusters: FolderCluster[],
): Promise<{ cluster: FolderCluster; service: ServiceState } | undefined> {
  const items = clusters.flatMap((cluster) =>
    (cluster.state?.services ?? []).map((service) => ({
      label: `${service.service.metadata.namespace}/${service.service.metadata.name}`,
      description: `${service.service.type} ${service.service.clusterIP}`,
      detail: clusters.length > 1 ? cluster.folder.name : service.source.file,
      cluster,
      service,
    })),
  );
  if (items.length === 0) {
    await vscode.window.showWarningMessage('Kubepath: no Services found in the workspace.');
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(items, {
    title: 'Kubepath: trace a request to…',
    placeHolder: 'Service',
  });
  return picked && { cluster: picked.cluster, service: picked.service };
}

/**
 * "Kubepath: Trace Request": from a CodeLens/hover (args name the service and port) or the
 * palette (quick picks: service, port, entry point). Shows the path in the side panel and
 * the full hop list in the output channel.
 */
export async function runTraceCommand(
  model: WorkspaceModel,
  arg: unknown,
  showInPanel?: ShowInPanel,
): Promise<void> {
  await model.start();
  await model.settled();
  let cluster: FolderCluster | undefined;
  let service: ServiceState | undefined;
  const args = isTraceArgs(arg) ? arg : undefined;
  if (args) {
    cluster = model.all().find((c) => c.folder.uri.toString() === args.folder) ?? model.all()[0];
    service = cluster?.state?.services.find(
      (s) => s.service.metadata.namespace === args.namespace && s.service.metadata.name === args.name,
    );
  }
  if (!cluster || !service) {
    const picked = await pickService(model.all().filter((c) => c.state));
    if (!picked) return;
    ({ cluster, service } = picked);
  }
  const analysis = cluster.state;
  if (!analysis) return;
  const ports = service.service.ports;
  let port = ports.find((p) => p.port === args?.port && (!args.protocol || p.protocol === args.protocol));
  if (!port && ports.length === 1) port = ports[0];
  if (!port) {
    const picked = await vscode.window.showQuickPick(
      ports.map((p) => ({
        label: `${p.port}/${p.protocol}`,
        description: `${p.name} → ${p.targetPort}`,
        port: p,
      })),
      { title: `Kubepath: port of ${service.service.metadata.name}`, placeHolder: 'port' },
    );
    port = picked?.port;
  }
  if (!port) {
    if (ports.length === 0)
      await vscode.window.showWarningMessage(`Kubepath: ${service.service.metadata.name} has no ports.`);
    return;
  }
  const entries = entryPointsFor(analysis, service, port);
  const entry = await vscode.window.showQuickPick<vscode.QuickPickItem & { entry: EntryPoint }>(
    entries.map((e) => ({ label: e.label, description: e.description, entry: e })),
    { title: `Kubepath: where does the request to ${service.service.metadata.name}:${port.port} come from?` },
  );
  if (!entry) return;
  let request: TraceRequest = entry.entry.request;
  if (!request.from) {
    const pod = await vscode.window.showQuickPick(
      analysis.pods.map((p) => ({
        label: `${p.metadata.namespace}/${p.metadata.name}`,
        description: `${p.podIP} on ${p.nodeName}`,
        pod: p,
      })),
      { title: 'Kubepath: send from pod…' },
    );
    if (!pod) return;
    request = {
      ...request,
      from: { kind: 'pod', namespace: pod.pod.metadata.namespace, name: pod.pod.metadata.name },
      node: pod.pod.nodeName,
    };
  }
  const started = Date.now();
  let trace: RequestTrace;
  try {
    trace = traceFor(analysis, request);
  } catch (error) {
    // TraceTargetError: a bad target/origin, worded for the user.
    const message = `Kubepath: cannot trace ${request.target}: ${error instanceof Error ? error.message : String(error)}`;
    log().warn(message);
    await vscode.window.showWarningMessage(message);
    return;
  }
  const text = engine().renderTrace(trace);
  log().info(`trace ${request.target} from ${trace.from} in ${Date.now() - started} ms\n${text}`);
  log().show(true);
  const node = request.from?.kind === 'pod' ? (request.node ?? null) : entry.entry.node;
  if (showInPanel) await showInPanel(cluster, service, port, entry.entry.entry, node);
}
