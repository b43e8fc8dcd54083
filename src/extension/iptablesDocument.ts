import * as vscode from 'vscode';
import { engine } from './engine';
import { FolderDocumentProvider } from './folderDocument';
import { log } from './log';
import type { Analysis } from '../engine';
import { iptablesFor, nftablesFor } from './proxyView';
import { readSettings } from './settings';
import type { FolderCluster, WorkspaceModel } from './workspaceModel';

export const IPTABLES_SCHEME = 'kubepath-iptables';

/** `kubepath-iptables:/<node>.iptables?<folder uri>`: read-only, regenerated when the cluster changes. */
export function iptablesUri(folder: vscode.Uri, node: string): vscode.Uri {
  return vscode.Uri.from({ scheme: IPTABLES_SCHEME, path: `/${node}.iptables`, query: folder.toString() });
}

export class IptablesDocumentProvider extends FolderDocumentProvider {
  constructor(model: WorkspaceModel) {
    super(
      model,
      'iptables document',
      '# kubepath: could not generate the rules; see the "kubepath" output channel\n',
    );
  }

  protected content(uri: vscode.Uri, cluster: FolderCluster | undefined): string {
    const node = decodeURIComponent(uri.path.replace(/^\//, '').replace(/\.iptables$/, ''));
    const analysis = cluster?.state;
    if (!cluster || !analysis) return '# kubepath: the workspace has not been analysed yet\n';
    const mode = readSettings(cluster.folder.uri).kubeProxyMode ?? analysis.profile.kubeProxy.mode;
    if (mode !== 'iptables' && mode !== 'nftables') {
      return `# kubepath: kube-proxy mode "${mode}" is not simulated; iptables and nftables modes are.\n`;
    }
    if (!analysis.profile.nodes.some((n) => n.name === node)) {
      return `# kubepath: no node "${node}" in the cluster profile\n`;
    }
    if (mode === 'nftables') return nftablesDocument(analysis, node, cluster.profilePath);
    const started = Date.now();
    const out = iptablesFor(analysis, node);
    log().info(`iptables for ${node}: ${out.text.split('\n').length} lines in ${Date.now() - started} ms`);
    const profile = cluster.profilePath || 'built-in default profile';
    return (
      `# kubepath: predicted iptables-save of node ${node} (kube-proxy iptables mode, Kubernetes ` +
      `${analysis.profile.kubernetesVersion}, ${profile}); regenerated as the YAML changes\n` +
      out.text
    );
  }
}

/** Asks for a node (unless given) and opens its rules. */
export async function showIptables(model: WorkspaceModel, nodeArg?: string): Promise<void> {
  await model.start();
  await model.settled();
  const clusters = model.all().filter((c) => c.state);
  const active = vscode.window.activeTextEditor?.document.uri;
  const cluster = (active && model.forUri(active)?.cluster) ?? clusters[0];
  const analysis = cluster?.state;
  if (!cluster || !analysis) {
    await vscode.window.showWarningMessage(
      'Kubepath: no analysed workspace folder (open a Kubernetes YAML file).',
    );
    return;
  }
  let node = nodeArg;
  if (!node) {
    const picked = await vscode.window.showQuickPick(
      analysis.profile.nodes.map((n) => ({ label: n.name, description: n.ips.join(', ') })),
      { title: 'Kubepath: show the iptables rules of node…', placeHolder: 'node' },
    );
    node = picked?.label;
  }
  if (!node) return;
  const doc = await vscode.workspace.openTextDocument(iptablesUri(cluster.folder.uri, node));
  await vscode.languages.setTextDocumentLanguage(doc, 'iptables');
  await vscode.window.showTextDocument(doc, { preview: false });
}

/** nftables mode: what `nft list table ip kube-proxy` shows on the node. */
function nftablesDocument(analysis: Analysis, node: string, profilePath: string): string {
  const started = Date.now();
  const out = nftablesFor(analysis, node);
  log().info(`nftables for ${node}: ${out.text.split('\n').length} lines in ${Date.now() - started} ms`);
  const version = analysis.profile.kubernetesVersion;
  const layout =
    compareVersions(version, engineLayoutVersion()) < 0
      ? `; kube-proxy before ${engineLayoutVersion()} uses another chain layout, which is not modelled: this is the ${engineLayoutVersion()} layout`
      : '';
  return (
    `# kubepath: predicted \`nft list table ip kube-proxy\` of node ${node} (kube-proxy nftables mode, Kubernetes ` +
    `${version}, ${profilePath || 'built-in default profile'}${layout}); regenerated as the YAML changes\n` +
    out.text
  );
}

function engineLayoutVersion(): string {
  return engine().nftablesLayoutMinVersion;
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
