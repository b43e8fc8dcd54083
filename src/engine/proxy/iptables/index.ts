// kube-proxy, iptables mode: cluster state + node → the rules that node runs.
import type { ClusterState, IPFamily, KubeProxyNode } from '../../model';
import type { ProxyInput, ServicePortOnNode, SyncOptions } from './proxier';
import { syncProxyRules } from './proxier';
import { servicePortKey } from '../servicePort';
import { iptablesSaveView } from './save';
import { kubeProxyNodeFor } from '../node';
import { proxyInputFromState } from '../input';
import { memo } from '../../util/memo';

export interface IptablesOutput {
  /** Exactly what kube-proxy hands to iptables-restore (the form upstream's tests assert). */
  restoreInput: string;
  /** What `iptables-save` on the node then shows for the filter and nat tables. */
  iptablesSave: string;
  largeClusterMode: boolean;
  servicePorts: ServicePortOnNode[];
}

/** Both forms of a node's rules (a caller that shows one form uses iptablesRules). */
export function generateIptables(
  input: ProxyInput,
  node: KubeProxyNode,
  options: SyncOptions = {},
): IptablesOutput {
  const sync = syncProxyRules(input, node, { ...options, output: 'both' });
  return {
    restoreInput: sync.restoreInput,
    iptablesSave: iptablesSaveView(sync),
    largeClusterMode: sync.largeClusterMode,
    servicePorts: sync.servicePorts,
  };
}

/** `iptables-save`: what the node shows; `restore-input`: what kube-proxy hands to iptables-restore. */
export type IptablesForm = 'iptables-save' | 'restore-input';

export interface IptablesRules {
  form: IptablesForm;
  text: string;
  largeClusterMode: boolean;
  servicePorts: ServicePortOnNode[];
}

/** One form of a node's rules: the same text as generateIptables, for about half the work. */
export function iptablesRules(
  input: ProxyInput,
  node: KubeProxyNode,
  form: IptablesForm,
  options: SyncOptions = {},
): IptablesRules {
  const sync = syncProxyRules(input, node, { ...options, output: form });
  return {
    form,
    text: form === 'restore-input' ? sync.restoreInput : iptablesSaveView(sync),
    largeClusterMode: sync.largeClusterMode,
    servicePorts: sync.servicePorts,
  };
}

/**
 * Chains that carry each Service port on `node` (SVC/SVL/EXT/FW and the SEP chains),
 * keyed by servicePortKey (the port name may be empty).
 */
export function serviceChainNames(
  input: ProxyInput,
  node: KubeProxyNode,
  options: SyncOptions = {},
): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const p of syncProxyRules(input, node, { ...options, output: 'none' }).servicePorts)
    out.set(servicePortKey(p.namespace, p.name, p.portName, p.protocol), p.chains);
  return out;
}

/** One node's rules in one form for an analysed cluster (the `family` proxier's), generated once per analysis. */
export function rulesOfNode(
  state: ClusterState,
  nodeName: string,
  form: IptablesForm,
  family: IPFamily = 'IPv4',
): IptablesRules {
  return memo(state, `iptables:rules:${form}:${family}:${nodeName}`, () =>
    iptablesRules(
      proxyInputFromState(state),
      kubeProxyNodeFor(state.profile, nodeName, family),
      form,
      family === 'IPv4' ? {} : { ipFamily: family },
    ),
  );
}

/** The chains of each Service port on one node of an analysed cluster, once per analysis. */
export function chainsOfNode(
  state: ClusterState,
  nodeName: string,
  family: IPFamily = 'IPv4',
): ReadonlyMap<string, readonly string[]> {
  return memo(state, `iptables:chains:${family}:${nodeName}`, () =>
    serviceChainNames(
      proxyInputFromState(state),
      kubeProxyNodeFor(state.profile, nodeName, family),
      family === 'IPv4' ? {} : { ipFamily: family },
    ),
  );
}

export { kubeProxyNodeFor, masqueradeMarkFor, proxyFamilies, cidrOfFamily } from '../node';
export { sortIPTablesRules, parseIptablesDump, formatIptablesDump, sortDumpTables } from './dump';
export type { DumpTable, DumpChain, DumpRule } from './dump';
export { iptablesSaveView, saveRule, isKubeProxyChain } from './save';
export { computeProbability } from './probability';
export { hash16, servicePortChainNames, endpointChainName, isServiceChainName } from './chainNames';
export { syncProxyRules, largeClusterEndpointsThreshold } from './proxier';
export type {
  ProxyInput,
  SyncOptions,
  SyncOutput,
  SyncResult,
  SaveChains,
  SavedTable,
  ServicePortOnNode,
} from './proxier';
export { diffLines, unifiedDiff, kubeChainLines } from './diff';

export { proxyInputFromState } from '../input';
