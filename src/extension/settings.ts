import * as vscode from 'vscode';
import { DEFAULT_LOAD_LIMITS } from '../engine/load/limits';
import type { LoadLimits } from '../engine/load/limits';
import type { ProxyMode } from '../engine/model';

export interface KubepathSettings {
  /** Profile path (relative to the folder or absolute); '' = `kubepath.cluster.yaml` at the folder root. */
  clusterProfile: string;
  /** null = whatever the profile says. */
  kubeProxyMode: ProxyMode | null;
  include: string[];
  exclude: string[];
  diagnosticsEnabled: boolean;
  /** Loader limits (resource-attack guards). */
  limits: LoadLimits;
}

export const DEFAULT_INCLUDE = ['**/*.yaml', '**/*.yml', '**/*.json'];
export const DEFAULT_EXCLUDE = ['**/node_modules/**', '**/.git/**', '**/.vscode-test/**'];

function positive(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : fallback;
}

function stringArray(value: unknown, fallback: string[]): string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : fallback;
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
    limits: {
      maxFileBytes: positive(config.get('maxFileBytes'), DEFAULT_LOAD_LIMITS.maxFileBytes),
      maxDocuments: positive(config.get('maxDocuments'), DEFAULT_LOAD_LIMITS.maxDocuments),
      maxAliasCount: positive(config.get('maxAliasCount'), DEFAULT_LOAD_LIMITS.maxAliasCount),
      maxNestingDepth: positive(config.get('maxNestingDepth'), DEFAULT_LOAD_LIMITS.maxNestingDepth),
    },
  };
}
