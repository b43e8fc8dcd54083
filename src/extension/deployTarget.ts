// The kustomize deploy target in the status bar, and the picker that changes it. A workspace
// whose overlays share a base (overlays/dev and overlays/prod) deploys one of them at a time:
// the item shows which one the analysis models, and a click picks another for the folder.
import * as vscode from 'vscode';
import { clusterStatus, targetPicks, targetStatus } from './deployTargetText';
import { readSettings } from './settings';
import { SELECT_TARGET_COMMAND } from './commands';
import type { FolderCluster, WorkspaceModel } from './workspaceModel';

export { SELECT_TARGET_COMMAND };

/**
 * Keeps the status bar items in step with the active editor's folder: the cluster (profile,
 * nodes, proxy mode, findings; click selects the profile) and, where the folder has
 * kustomize deploy targets, the one analysed (click picks another).
 */
export function registerStatusItems(
  context: vscode.ExtensionContext,
  model: WorkspaceModel,
  selectProfileCommand: string,
): void {
  const clusterItem = vscode.window.createStatusBarItem(
    'kubepath.cluster',
    vscode.StatusBarAlignment.Left,
    51,
  );
  clusterItem.name = 'Kubepath Cluster';
  clusterItem.command = selectProfileCommand;
  const updateCluster = (): void => {
    const cluster = clusterOfActiveEditor(model);
    // Before the workspace analysis wakes (ordinary YAML only), kubepath shows nothing.
    if (!cluster || (cluster.summary === undefined && cluster.running === undefined)) {
      clusterItem.hide();
      return;
    }
    const status = clusterStatus({
      summary: cluster.summary,
      // Updated when an analysis lands (its run is still finishing then): pending means an
      // edit waits for the next one.
      analysing: cluster.timer !== undefined,
      profilePath: cluster.profilePath,
      modeSetting: readSettings(cluster.folder.uri).kubeProxyMode,
      folderName: multiRoot(model) ? cluster.folder.name : undefined,
    });
    clusterItem.text = status.text;
    clusterItem.tooltip = status.tooltip;
    clusterItem.show();
  };
  context.subscriptions.push(
    clusterItem,
    model.onDidChange(updateCluster),
    vscode.window.onDidChangeActiveTextEditor(updateCluster),
  );
  updateCluster();
  registerDeployTarget(context, model);
}

function registerDeployTarget(context: vscode.ExtensionContext, model: WorkspaceModel): void {
  const item = vscode.window.createStatusBarItem('kubepath.deployTarget', vscode.StatusBarAlignment.Left, 50);
  item.name = 'Kubepath Deploy Target';
  item.command = SELECT_TARGET_COMMAND;
  const update = (): void => {
    const cluster = clusterOfActiveEditor(model);
    const active = vscode.window.activeTextEditor?.document.uri;
    const path = active && cluster ? model.forUri(active)?.path : undefined;
    const status =
      cluster?.summary &&
      targetStatus(cluster.summary.deployTargets, multiRoot(model) ? cluster.folder.name : undefined, path);
    if (!status) {
      item.hide();
      return;
    }
    item.text = status.text;
    item.tooltip = status.tooltip;
    item.show();
  };
  context.subscriptions.push(
    item,
    model.onDidChange(update),
    vscode.window.onDidChangeActiveTextEditor(update),
  );
  update();
}

/** The Select Deploy Target command: a folder (if several have targets), then a target. */
export async function selectDeployTarget(model: WorkspaceModel): Promise<void> {
  await model.settled();
  const withTargets = model.all().filter((c) => (c.summary?.deployTargets.all.length ?? 0) > 0);
  if (withTargets.length === 0) {
    void vscode.window.showInformationMessage('Kubepath: no kustomize deploy targets in this workspace.');
    return;
  }
  let cluster = clusterOfActiveEditor(model);
  if (!cluster || !withTargets.includes(cluster)) cluster = withTargets[0];
  if (withTargets.length > 1) {
    const folder = await vscode.window.showQuickPick(
      withTargets.map((c) => ({ label: c.folder.name, cluster: c })),
      { placeHolder: 'Workspace folder' },
    );
    if (!folder) return;
    cluster = folder.cluster;
  }
  const targets = cluster?.summary?.deployTargets;
  if (!cluster || !targets) return;
  const pick = await vscode.window.showQuickPick(targetPicks(targets, cluster.target), {
    placeHolder: 'Kustomize deploy target to analyse',
    matchOnDetail: true,
  });
  if (!pick) return;
  model.setTarget(cluster, pick.dir);
  await model.settled();
}

function multiRoot(model: WorkspaceModel): boolean {
  return model.all().length > 1;
}

function clusterOfActiveEditor(model: WorkspaceModel): FolderCluster | undefined {
  const uri = vscode.window.activeTextEditor?.document.uri;
  return (uri && model.forUri(uri)?.cluster) ?? (model.all().length === 1 ? model.all()[0] : undefined);
}
