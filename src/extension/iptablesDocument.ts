import * as vscode from 'vscode';
import type { AnalysisClient } from './analysisClient';
import { FolderDocumentProvider } from './folderDocument';
import { log } from './log';
import { readSettings } from './settings';
import type { FolderCluster, WorkspaceModel } from './workspaceModel';

export const IPTABLES_SCHEME = 'kubepath-iptables';

/** `kubepath-iptables:/<node>.iptables?<folder uri>`: read-only, regenerated when the cluster changes. */
export function iptablesUri(folder: vscode.Uri, node: string): vscode.Uri {
  return vscode.Uri.from({ scheme: IPTABLES_SCHEME, path: `/${node}.iptables`, query: folder.toString() });
}

/** A node's predicted rules in the cluster's kube-proxy mode (iptables-save, or nftables' listing). */
export class IptablesDocumentProvider extends FolderDocumentProvider {
  constructor(model: WorkspaceModel, client: AnalysisClient) {
    super(
      model,
      client,
      'iptables document',
      '# kubepath: could not generate the rules; see the "kubepath" output channel\n',
    );
  }

  protected async content(uri: vscode.Uri, cluster: FolderCluster | undefined): Promise<string> {
    const node = decodeURIComponent(uri.path.replace(/^\//, '').replace(/\.iptables$/, ''));
    if (!cluster?.summary) return '# kubepath: the workspace has not been analysed yet\n';
    const mode = readSettings(cluster.folder.uri).kubeProxyMode ?? cluster.summary.profile.kubeProxyMode;
    const out = await this.client.request({
      op: 'rules',
      folder: cluster.folder.uri.toString(),
      node,
      mode,
      profileLabel: cluster.profilePath || 'built-in default profile',
    });
    log().info(`${mode} rules for ${node}: ${out.lines} lines in ${Math.round(out.ms)} ms (analysis worker)`);
    return out.text;
  }
}

/** Asks for a node (unless given) and opens its rules. */
export async function showIptables(model: WorkspaceModel, nodeArg?: string): Promise<void> {
  await model.start();
  await model.settled();
  const clusters = model.all().filter((c) => c.summary);
  const active = vscode.window.activeTextEditor?.document.uri;
  const cluster = (active && model.forUri(active)?.cluster) ?? clusters[0];
  const summary = cluster?.summary;
  if (!cluster || !summary) {
    await vscode.window.showWarningMessage(
      'Kubepath: no analysed workspace folder (open a Kubernetes YAML file).',
    );
    return;
  }
  let node = nodeArg;
  if (!node) {
    const picked = await vscode.window.showQuickPick(
      summary.profile.nodes.map((n) => ({ label: n.name, description: n.ips.join(', ') })),
      { title: 'Kubepath: show the iptables rules of node…', placeHolder: 'node' },
    );
    node = picked?.label;
  }
  if (!node) return;
  const doc = await vscode.workspace.openTextDocument(iptablesUri(cluster.folder.uri, node));
  await vscode.languages.setTextDocumentLanguage(doc, 'iptables');
  await vscode.window.showTextDocument(doc, { preview: false });
}
