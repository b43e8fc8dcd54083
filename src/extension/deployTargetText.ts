// Status bar text and picker entries for the kustomize deploy target (see deployTarget.ts).
// Pure (no vscode) so the wording is unit-tested.
import type { Analysis } from '../engine';

type Targets = Analysis['deployTargets'];

/** Status bar text and tooltip for a folder's targets; undefined when it has none. Pure. */
export function targetStatus(
  targets: Targets,
  folderName: string | undefined,
): { text: string; tooltip: string } | undefined {
  if (targets.all.length === 0) return undefined;
  const shown = targets.analysed.map((t) => t.dir || '.');
  const first = shown[0] ?? 'none';
  const more = shown.length > 1 ? ` +${shown.length - 1}` : '';
  const others = targets.all.length - targets.analysed.length;
  const tooltip = [
    `Kubepath analyses the kustomize deploy target${shown.length === 1 ? '' : 's'} ${shown.join(', ') || '(none)'}` +
      (folderName ? ` in ${folderName}` : '') +
      '.',
    others > 0
      ? `${others} other target${others === 1 ? '' : 's'} share${others === 1 ? 's' : ''} files with ${shown.length === 1 ? 'it' : 'them'}: each is its own deployment. Click to choose.`
      : 'Click to choose another.',
  ].join('\n');
  return { text: `$(layers) ${first}${more}`, tooltip };
}

export interface TargetPick {
  readonly label: string;
  readonly description?: string;
  readonly detail?: string;
  readonly picked?: boolean;
  /** undefined: back to the setting's (or the first) target. */
  readonly dir: string | undefined;
}

/** The picker's entries for one folder: every target, the analysed ones marked. Pure. */
export function targetPicks(targets: Targets, chosen: string | undefined): TargetPick[] {
  const analysed = new Set(targets.analysed.map((t) => t.dir));
  const picks: TargetPick[] = targets.all.map((t) => ({
    label: t.dir || '.',
    description: analysed.has(t.dir) ? 'analysed' : 'not analysed (shares files with an analysed target)',
    detail: t.file,
    dir: t.dir,
    picked: t.dir === chosen,
  }));
  picks.push({
    label: 'Default',
    description: 'the kubepath.deployTarget setting, else the first target in path order',
    dir: undefined,
  });
  return picks;
}
