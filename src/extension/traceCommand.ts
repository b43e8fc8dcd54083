import * as vscode from 'vscode';
import type { AnalysisClient } from './analysisClient';
import { urlTraceArgsOf, urlTraceRequest } from './commands';
import type { ServiceTraceArgs, UrlTraceArgs } from './commands';
import { background, log } from './log';
import type { ServiceBrief, TraceAnswer } from './service/protocol';
import { showTraceDocument } from './traceDocument';
import type { TraceDocumentProvider } from './traceDocument';
import { traceNotice } from './traceDocumentText';
import type { EntryPoint, TraceRequest } from './traceText';
import type { FolderCluster, WorkspaceModel } from './workspaceModel';

/** Shows a traced service/port/entry in the side panel (the request path view). */
export type ShowInPanel = (
  cluster: FolderCluster,
  service: ServiceBrief,
  portKey: string,
  entry: EntryPoint['entry'],
  node: string | null,
) => Promise<void>;

function isTraceArgs(value: unknown): value is ServiceTraceArgs {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v['namespace'] === 'string' && typeof v['name'] === 'string';
}

async function pickService(
  client: AnalysisClient,
  clusters: FolderCluster[],
): Promise<{ cluster: FolderCluster; service: ServiceBrief } | undefined> {
  const lists = await Promise.all(
    clusters.map((c) => client.request({ op: 'services', folder: c.folder.uri.toString() })),
  );
  const items = clusters.flatMap((cluster, i) =>
    (lists[i] ?? []).map((service) => ({
      label: `${service.namespace}/${service.name}`,
      description: `${service.type} ${service.clusterIP}`,
      detail: clusters.length > 1 ? cluster.folder.name : service.file,
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
 * palette (quick picks: service, port, entry point). Shows the path in the side panel and the
 * outcome in a notification whose buttons open the trace document (summary, then every hop)
 * beside the editor or the panel again; the Output panel is not revealed (the hops are also
 * logged there). The trace itself runs in the analysis worker.
 */
export async function runTraceCommand(
  model: WorkspaceModel,
  client: AnalysisClient,
  arg: unknown,
  showInPanel?: ShowInPanel,
  traces?: TraceDocumentProvider,
): Promise<void> {
  await model.start();
  await model.settled();
  const url = urlTraceArgsOf(arg);
  if (url) return traceUrl(model, client, url, showInPanel, traces);
  let cluster: FolderCluster | undefined;
  let service: ServiceBrief | undefined;
  const args = isTraceArgs(arg) ? arg : undefined;
  if (args) {
    cluster = model.all().find((c) => c.folder.uri.toString() === args.folder) ?? model.all()[0];
    service =
      cluster?.summary &&
      (await client.request({ op: 'services', folder: cluster.folder.uri.toString() })).find(
        (s) => s.namespace === args.namespace && s.name === args.name,
      );
  }
  if (!cluster || !service) {
    const picked = await pickService(
      client,
      model.all().filter((c) => c.summary),
    );
    if (!picked) return;
    ({ cluster, service } = picked);
  }
  const folder = cluster.folder.uri.toString();
  const ports = service.ports;
  let port = ports.find((p) => p.port === args?.port && (!args.protocol || p.protocol === args.protocol));
  if (!port && ports.length === 1) port = ports[0];
  if (!port) {
    const picked = await vscode.window.showQuickPick(
      ports.map((p) => ({
        label: `${p.port}/${p.protocol}`,
        description: `${p.name} → ${p.targetPort}`,
        port: p,
      })),
      { title: `Kubepath: port of ${service.name}`, placeHolder: 'port' },
    );
    port = picked?.port;
  }
  if (!port) {
    if (ports.length === 0) await vscode.window.showWarningMessage(`Kubepath: ${service.name} has no ports.`);
    return;
  }
  const entries = await client.request({
    op: 'entryPoints',
    folder,
    namespace: service.namespace,
    name: service.name,
    portKey: port.key,
  });
  const entry = await vscode.window.showQuickPick<vscode.QuickPickItem & { entry: EntryPoint }>(
    entries.map((e) => ({ label: e.label, description: e.description, entry: e })),
    { title: `Kubepath: where does the request to ${service.name}:${port.port} come from?` },
  );
  if (!entry) return;
  let request: TraceRequest = entry.entry.request;
  if (!request.from) {
    const pods = await client.request({ op: 'pods', folder });
    const pod = await vscode.window.showQuickPick(
      pods.map((p) => ({
        label: `${p.namespace}/${p.name}`,
        description: `${p.podIP} on ${p.nodeName}`,
        pod: p,
      })),
      { title: 'Kubepath: send from pod…' },
    );
    if (!pod) return;
    request = {
      ...request,
      from: { kind: 'pod', namespace: pod.pod.namespace, name: pod.pod.name },
      node: pod.pod.nodeName,
    };
  }
  const trace = await requestTrace(client, folder, request);
  if (!trace) return;
  const node = request.from?.kind === 'pod' ? (request.node ?? null) : entry.entry.node;
  const show = showInPanel && (() => showInPanel(cluster, service, port.key, entry.entry.entry, node));
  if (traces)
    background('trace notification', notify(traces.add(request.target, trace), request.target, trace, show));
  if (show) await show();
}

/** The worker's trace of `request` (logged with its time), or undefined once the user is told why not (a bad target or origin). */
async function requestTrace(
  client: AnalysisClient,
  folder: string,
  request: TraceRequest,
): Promise<Extract<TraceAnswer, { ok: true }> | undefined> {
  const started = Date.now();
  const trace = await client.request({ op: 'trace', folder, request });
  if (!trace.ok) {
    const message = `Kubepath: cannot trace ${request.target}: ${trace.message}`;
    log().warn(message);
    await vscode.window.showWarningMessage(message);
    return undefined;
  }
  log().info(`trace ${request.target} from ${trace.from} in ${Date.now() - started} ms\n${trace.text}`);
  return trace;
}

/**
 * Trace Request for a URL (CodeLens on a route rule): no picks; the trace goes through the
 * Gateway or ingress controller, and the panel shows the backend Service the L7 hop chose.
 */
async function traceUrl(
  model: WorkspaceModel,
  client: AnalysisClient,
  args: UrlTraceArgs,
  showInPanel?: ShowInPanel,
  traces?: TraceDocumentProvider,
): Promise<void> {
  const cluster =
    model.all().find((c) => c.folder.uri.toString() === args.folder) ?? model.all().find((c) => c.summary);
  if (!cluster?.summary) {
    await vscode.window.showWarningMessage('Kubepath: the workspace has not been analysed yet.');
    return;
  }
  const folder = cluster.folder.uri.toString();
  const request = urlTraceRequest(args);
  const trace = await requestTrace(client, folder, request);
  if (!trace) return;
  const backend = trace.backend;
  const service =
    backend &&
    (await client.request({ op: 'services', folder })).find(
      (s) => s.namespace === backend.namespace && s.name === backend.name,
    );
  const port = service?.ports.find((p) => p.port === backend?.port) ?? service?.ports[0];
  const show =
    showInPanel && service && port
      ? () => showInPanel(cluster, service, port.key, 'internet', null)
      : undefined;
  if (traces)
    background('trace notification', notify(traces.add(request.target, trace), request.target, trace, show));
  if (show) await show();
}

const OPEN_TRACE = 'Open Trace';
const SHOW_PANEL = 'Show in Panel';

/** The outcome as a notification (a warning when the request does not reach a pod); its buttons act. */
async function notify(
  uri: vscode.Uri,
  target: string,
  trace: Parameters<typeof traceNotice>[1],
  show: (() => Promise<void>) | undefined,
): Promise<void> {
  const message = traceNotice(target, trace);
  const buttons = show ? [OPEN_TRACE, SHOW_PANEL] : [OPEN_TRACE];
  const picked =
    trace.outcome === 'reached'
      ? await vscode.window.showInformationMessage(message, ...buttons)
      : await vscode.window.showWarningMessage(message, ...buttons);
  if (picked === OPEN_TRACE) await showTraceDocument(uri);
  else if (picked === SHOW_PANEL && show) await show();
}
