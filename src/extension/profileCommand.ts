import * as vscode from 'vscode';
import { PROFILE_FILE_NAME } from './detect';
import type { WorkspaceModel } from './workspaceModel';

const PROFILE_KIND = /^kind:\s*["']?ClusterProfile\b/m;

/** Quick pick of the workspace's cluster profiles (files with kind: ClusterProfile) or the built-in one. */
export async function selectClusterProfile(model: WorkspaceModel): Promise<void> {
  await model.start();
  const active = vscode.window.activeTextEditor?.document.uri;
  const cluster = (active && model.forUri(active)?.cluster) ?? model.all()[0];
  if (!cluster) {
    await vscode.window.showWarningMessage('Kubepath: open a workspace folder first.');
    return;
  }
  const candidates = [...new Set([...cluster.disk.keys(), ...cluster.editors.keys()])]
    .filter((path) => path.endsWith(PROFILE_FILE_NAME) || PROFILE_KIND.test(cluster.textOf(path) ?? ''))
    .sort();
  const current = vscode.workspace
    .getConfiguration('kubepath', cluster.folder.uri)
    .get<string>('clusterProfile', '');
  const items: (vscode.QuickPickItem & { value: string })[] = [
    {
      label: 'Built-in cluster',
      description: '3 nodes, 10.96.0.0/16, iptables, generic cloud LB',
      detail: `used when the folder has no ${PROFILE_FILE_NAME}`,
      value: '',
    },
    ...candidates.map((path) => ({
      label: path,
      description: path === current ? 'current' : '',
      value: path,
    })),
  ];
  const picked = await vscode.window.showQuickPick(items, {
    title: 'Kubepath: cluster profile',
    placeHolder: 'profile',
  });
  if (!picked) return;
  await vscode.workspace
    .getConfiguration('kubepath', cluster.folder.uri)
    .update('clusterProfile', picked.value, vscode.ConfigurationTarget.WorkspaceFolder);
}
