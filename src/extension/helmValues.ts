// Kubepath: Select Helm Values Files — which values files the folder's charts are rendered
// with (after each chart's own values.yaml), saved as the folder's kubepath.helm.valuesFiles.
import * as vscode from 'vscode';
import { valuesCandidates } from './deployTargetText';
import { readSettings } from './settings';
import type { WorkspaceModel } from './workspaceModel';

export async function selectHelmValues(model: WorkspaceModel): Promise<void> {
  await model.settled();
  const active = vscode.window.activeTextEditor?.document.uri;
  const cluster =
    (active && model.forUri(active)?.cluster) ?? model.all().find((c) => c.charts.size > 0) ?? model.all()[0];
  if (!cluster || cluster.charts.size === 0) {
    void vscode.window.showInformationMessage(
      'Kubepath: no Helm chart (Chart.yaml) in this workspace folder.',
    );
    return;
  }
  const current = new Set(readSettings(cluster.folder.uri).helm.valuesFiles ?? []);
  const items = valuesCandidates([...cluster.disk.keys()], cluster.charts).map((path) => ({
    label: path,
    picked: current.has(path),
  }));
  if (items.length === 0) {
    void vscode.window.showInformationMessage(
      "Kubepath: no values files besides the charts' own values.yaml (name one values-*.yaml).",
    );
    return;
  }
  const picked = await vscode.window.showQuickPick(items, {
    canPickMany: true,
    title: 'Kubepath: Helm values files',
    placeHolder: "applied in path order after each chart's values.yaml (none: values.yaml alone)",
  });
  if (!picked) return;
  await vscode.workspace.getConfiguration('kubepath', cluster.folder.uri).update(
    'helm.valuesFiles',
    picked.map((p) => p.label),
    vscode.ConfigurationTarget.WorkspaceFolder,
  );
}
