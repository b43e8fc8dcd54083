// "Kubepath: Open Example" (the Getting Started walkthrough's first step): copies the example
// the extension ships (examples/nginx in its install folder) into a workspace folder or a
// folder the user picks, then opens its Service, or that folder when it is outside the workspace.
import * as vscode from 'vscode';
import { background } from './log';
import { exampleFolderName, EXAMPLE_NAME, EXAMPLE_OPENS } from './exampleText';

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

/** The first free `kubepath-example-nginx[-N]` folder under `parent`. */
async function freeFolder(parent: vscode.Uri): Promise<vscode.Uri> {
  for (let n = 1; ; n++) {
    const candidate = vscode.Uri.joinPath(parent, exampleFolderName(n));
    if (!(await exists(candidate))) return candidate;
  }
}

interface Destination {
  parent: vscode.Uri;
  /** Inside an open workspace folder: the analysis sees it without opening a folder. */
  inWorkspace: boolean;
}

async function pickDestination(): Promise<Destination | undefined> {
  const folders = (vscode.workspace.workspaceFolders ?? []).filter(
    (f) => vscode.workspace.fs.isWritableFileSystem(f.uri.scheme) !== false,
  );
  type Item = vscode.QuickPickItem & { folder?: vscode.WorkspaceFolder };
  const choose: Item = { label: '$(folder-opened) Choose a folder…', description: 'then open it' };
  const items: Item[] = [
    ...folders.map((f) => ({
      label: `$(root-folder) Copy into ${f.name}`,
      description: `as ${exampleFolderName(1)}/ (or the next free name)`,
      folder: f,
    })),
    choose,
  ];
  const picked =
    folders.length === 0
      ? choose
      : await vscode.window.showQuickPick(items, {
          title: `Kubepath: where should the ${EXAMPLE_NAME} example go?`,
        });
  if (!picked) return undefined;
  if (picked.folder) return { parent: picked.folder.uri, inWorkspace: true };
  const chosen = await vscode.window.showOpenDialog({
    canSelectFiles: false,
    canSelectFolders: true,
    canSelectMany: false,
    openLabel: 'Copy the example here',
    title: `Kubepath: the folder to copy the ${EXAMPLE_NAME} example into`,
  });
  const parent = chosen?.[0];
  if (!parent) return undefined;
  const inWorkspace = vscode.workspace.getWorkspaceFolder(parent) !== undefined;
  return { parent, inWorkspace };
}

export async function openExample(extensionUri: vscode.Uri): Promise<void> {
  const source = vscode.Uri.joinPath(extensionUri, 'examples', EXAMPLE_NAME);
  if (!(await exists(source))) {
    await vscode.window.showErrorMessage(
      `Kubepath: the ${EXAMPLE_NAME} example is not in this installation.`,
    );
    return;
  }
  const destination = await pickDestination();
  if (!destination) return;
  const target = await freeFolder(destination.parent);
  await vscode.workspace.fs.copy(source, target, { overwrite: false });
  if (!destination.inWorkspace) {
    await vscode.commands.executeCommand('vscode.openFolder', target);
    return;
  }
  await vscode.window.showTextDocument(vscode.Uri.joinPath(target, EXAMPLE_OPENS));
  background(
    'example notification',
    vscode.window.showInformationMessage(
      `Kubepath: copied the ${EXAMPLE_NAME} example to ${vscode.workspace.asRelativePath(target)}. Hover the Service's name for its predicted addresses and endpoints; "Trace request" above it follows a request to the pods.`,
    ),
  );
}
