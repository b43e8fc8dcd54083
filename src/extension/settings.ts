import * as vscode from 'vscode';
import type { LoadLimits } from '../engine/model/limits';
import type { ProxyMode } from '../engine/model';

export interface KubepathSettings {
  /** Profile path (relative to the folder or absolute); '' = `kubepath.cluster.yaml` at the folder root. */
  clusterProfile: string;
  /** null = whatever the profile says. */
  kubeProxyMode: ProxyMode | null;
  include: string[];
  exclude: string[];
  diagnosticsEnabled: boolean;
  /** Loader limits (resource-attack guards) the user set; the engine's defaults for the rest. */
  limits: Partial<LoadLimits>;
  /** The kustomize deploy target to analyse (folder-relative directory, '' the folder); undefined = the first. */
  deployTarget: string | undefined;
  /** How the folder's Helm charts are rendered (release, namespace, values files, --set). */
  helm: HelmSettings;
}

export interface HelmSettings {
  releaseName?: string;
  namespace?: string;
  /** Folder-relative values files, after each chart's values.yaml. */
  valuesFiles?: string[];
  set?: string[];
}

export const DEFAULT_INCLUDE = ['**/*.yaml', '**/*.yml', '**/*.json'];
export const DEFAULT_EXCLUDE = ['**/node_modules/**', '**/.git/**', '**/.vscode-test/**'];

const LIMIT_SETTINGS = ['maxFileBytes', 'maxDocuments', 'maxAliasCount', 'maxNestingDepth'] as const;

/** The limits set to a whole number ≥ 0; anything else is left to the engine's default. */
function limitsOf(config: vscode.WorkspaceConfiguration): Partial<LoadLimits> {
  const out: Partial<LoadLimits> = {};
  for (const key of LIMIT_SETTINGS) {
    const value = config.get<unknown>(key);
    if (typeof value === 'number' && Number.isInteger(value) && value >= 0) out[key] = value;
  }
  return out;
}

function stringArray(value: unknown, fallback: string[]): string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : fallback;
}

/** `overlays/prod`, `./overlays/prod/` → `overlays/prod`; `.` → '' (the folder); empty → undefined. */
function targetSetting(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const dir = value
    .trim()
    .replace(/^(\.\/)+/, '')
    .replace(/\/+$/, '');
  return dir === '.' ? '' : dir;
}

function helmSettings(config: vscode.WorkspaceConfiguration): HelmSettings {
  const out: HelmSettings = {};
  const release = config.get<unknown>('helm.releaseName');
  if (typeof release === 'string' && release.trim() !== '') out.releaseName = release.trim();
  const namespace = config.get<unknown>('helm.namespace');
  if (typeof namespace === 'string' && namespace.trim() !== '') out.namespace = namespace.trim();
  const values = stringArray(config.get('helm.valuesFiles'), []).map((v) => v.replace(/^(\.\/)+/, ''));
  if (values.length > 0) out.valuesFiles = values;
  const set = stringArray(config.get('helm.set'), []);
  if (set.length > 0) out.set = set;
  return out;
}

export function readSettings(scope?: vscode.ConfigurationScope): KubepathSettings {
  const config = vscode.workspace.getConfiguration('kubepath', scope);
  const mode = config.get<string>('kubeProxyMode', 'fromProfile');
  return {
    clusterProfile: config.get<string>('clusterProfile', ''),
    kubeProxyMode: mode === 'iptables' || mode === 'nftables' || mode === 'ipvs' ? mode : null,
    include: stringArray(config.get('include'), DEFAULT_INCLUDE),
    exclude: stringArray(config.get('exclude'), DEFAULT_EXCLUDE),
    diagnosticsEnabled: config.get<boolean>('diagnostics.enabled', true),
    limits: limitsOf(config),
    deployTarget: targetSetting(config.get<unknown>('deployTarget')),
    helm: helmSettings(config),
  };
}
