// Kubepath: Show Rendered Manifest — what the deploy target of the active file renders
// (`helm template` for a chart, `kustomize build` for a kustomization), as a read-only
// document beside the editor, regenerated as the files change. In a chart's template the
// command offers that template alone (`helm template --show-only templates/x.yaml`).
import * as vscode from 'vscode';
import type { DeployTarget } from '../engine';
import type { AnalysisClient } from './analysisClient';
import { deepestHolding } from './deployTargetText';
import { FolderDocumentProvider } from './folderDocument';
import { readSettings } from './settings';
import type { FolderCluster, WorkspaceModel } from './workspaceModel';

export const RENDERED_SCHEME = 'kubepath-rendered';

const ONLY = '/rendered-only/';

/**
 * `kubepath-rendered:/<target dir>/rendered.yaml?<folder uri>`, or for one template of a
 * chart `kubepath-rendered:/<target dir>/rendered-only/templates/x.yaml?<folder uri>`.
 */
function renderedUri(folder: vscode.Uri, target: DeployTarget, template?: string): vscode.Uri {
  const dir = target.dir === '' ? '.' : target.dir;
  return vscode.Uri.from({
    scheme: RENDERED_SCHEME,
    path: template === undefined ? `/${dir}/rendered.yaml` : `/${dir}${ONLY}${template}`,
    query: folder.toString(),
  });
}

/** The chart-relative path of a template file helm template prints (not a partial, not NOTES.txt). */
export function renderableTemplate(target: DeployTarget, path: string): string | undefined {
  if (target.kind !== 'helm') return undefined;
  const prefix = target.dir === '' ? '' : `${target.dir}/`;
  if (!path.startsWith(`${prefix}templates/`)) return undefined;
  const rel = path.slice(prefix.length);
  const base = rel.slice(rel.lastIndexOf('/') + 1);
  if (base.startsWith('_') || base === 'NOTES.txt') return undefined;
  return rel;
}

export class RenderedDocumentProvider extends FolderDocumentProvider {
  constructor(model: WorkspaceModel, client: AnalysisClient) {
    super(
      model,
      client,
      'rendered manifest',
      '# kubepath: could not render; see the "kubepath" output channel\n',
    );
  }

  protected async content(uri: vscode.Uri, cluster: FolderCluster | undefined): Promise<string> {
    const only = uri.path.indexOf(ONLY);
    const template = only < 0 ? undefined : uri.path.slice(only + ONLY.length);
    const dir =
      only < 0 ? uri.path.replace(/^\//, '').replace(/\/rendered\.yaml$/, '') : uri.path.slice(1, only);
    const target = cluster?.summary?.deployTargets.all.find((t) => (t.dir === '' ? '.' : t.dir) === dir);
    if (!cluster || !target) return `# kubepath: no deploy target ${dir} in this folder (any more)\n`;
    const helm = readSettings(cluster.folder.uri).helm;
    // The worker renders over the files it analysed (open editors' text included).
    const out = await this.client.request({
      op: 'rendered',
      folder: cluster.folder.uri.toString(),
      dir,
      helm,
      ...(template === undefined ? {} : { showOnly: template }),
    });
    if (!out) return `# kubepath: no deploy target ${dir} in this folder (any more)\n`;
    const tool = target.kind === 'helm' ? 'helm template' : 'kustomize build';
    const showOnlyFlag = template === undefined ? '' : ` --show-only ${template}`;
    const head = `# kubepath: what \`${tool} ${target.dir || '.'}${showOnlyFlag}\` prints, rendered by kubepath (read-only; regenerated as the files change)\n`;
    return out.error === undefined
      ? head + out.text
      : `${head}# ${out.error.split('\n').join('\n# ')}\n${out.text}`;
  }
}

/** The deploy target the active file belongs to (the deepest target directory holding it), or a pick. */
export async function showRendered(model: WorkspaceModel): Promise<void> {
  await model.settled();
  const active = vscode.window.activeTextEditor?.document.uri;
  const found = active ? model.forUri(active) : undefined;
  const clusters = model.all().filter((c) => (c.summary?.deployTargets.all.length ?? 0) > 0);
  const cluster: FolderCluster | undefined =
    found && clusters.includes(found.cluster) ? found.cluster : clusters[0];
  const targets = cluster?.summary?.deployTargets.all ?? [];
  if (!cluster || targets.length === 0) {
    void vscode.window.showInformationMessage(
      'Kubepath: no Helm chart or kustomization to render in this workspace.',
    );
    return;
  }
  const path = found?.cluster === cluster ? found.path : undefined;
  let target = path === undefined ? undefined : deepestHolding(targets, path);
  if (!target) {
    const pick = await vscode.window.showQuickPick(
      targets.map((t) => ({
        label: t.dir || '.',
        description: t.kind === 'helm' ? 'Helm chart' : 'kustomization',
        t,
      })),
      { placeHolder: 'Deploy target to render' },
    );
    if (!pick) return;
    target = pick.t;
  }
  // In a template of the chart: that template alone, or the whole chart.
  const template = path === undefined ? undefined : renderableTemplate(target, path);
  let only: string | undefined;
  if (template !== undefined) {
    const pick = await vscode.window.showQuickPick(
      [
        { label: target.dir || '.', description: 'the whole chart', only: undefined },
        { label: template, description: 'this template alone (helm template --show-only)', only: template },
      ],
      { placeHolder: 'Render this template or the whole chart' },
    );
    if (!pick) return;
    only = pick.only;
  }
  const doc = await vscode.workspace.openTextDocument(renderedUri(cluster.folder.uri, target, only));
  await vscode.languages.setTextDocumentLanguage(doc, 'yaml');
  await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: true });
}
