// kube-proxy, nftables mode: cluster state + node → the `ip kube-proxy` table that node holds.
import type { ClusterProfile, ClusterState, IPFamily } from '../../model';
import { parseCIDR } from '../../net/ip';
import { memo } from '../../util/memo';
import { proxyInputFromState } from '../input';
import { kubeProxyNodeFor } from '../node';
import type { NftablesNode, NftServicePortOnNode } from './proxier';
import { syncNftables } from './proxier';
import { listTable } from './list';
import { dumpTable, sortNFTablesTransaction } from './table';

/**
 * `list`: what `nft list table ip kube-proxy` shows on the node after kube-proxy's first sync;
 * `transaction`: what that sync hands to `nft -f`;
 * `sorted`: the table it leaves, as upstream's tests compare it (Fake.Dump() through sortNFTablesTransaction).
 */
export type NftablesForm = 'list' | 'transaction' | 'sorted';

export interface NftablesRules {
  form: NftablesForm;
  text: string;
  servicePorts: NftServicePortOnNode[];
}

/** The modelled rule layout is the one kube-proxy has written since v1.34. */
export const nftablesLayoutMinVersion = '1.34';

/** kube-proxy's view of one node of the profile as the `family` proxier, with the cluster's ServiceCIDRs of that family. */
export function nftablesNodeFor(
  profile: ClusterProfile,
  nodeName: string,
  family: IPFamily = 'IPv4',
): NftablesNode {
  return {
    ...kubeProxyNodeFor(profile, nodeName, family),
    serviceCIDRs: profile.serviceCIDR
      .split(',')
      .map((c) => c.trim())
      .filter((c) => parseCIDR(c)?.family === family),
    ...(family === 'IPv6' ? { ipFamily: family } : {}),
  };
}

/** One node's table in one form for an analysed cluster, generated once per analysis. */
export function nftablesRulesOfNode(
  state: ClusterState,
  nodeName: string,
  form: NftablesForm,
  family: IPFamily = 'IPv4',
): NftablesRules {
  return memo(state, `nftables:rules:${form}:${family}:${nodeName}`, () => {
    const node = nftablesNodeFor(state.profile, nodeName, family);
    const sync = syncNftables(proxyInputFromState(state), node, {
      transaction: form === 'transaction',
    });
    const text =
      form === 'transaction'
        ? sync.transaction
        : form === 'list'
          ? listTable(sync.state.table)
          : `${sortNFTablesTransaction(dumpTable(sync.state.table))}\n`;
    return { form, text, servicePorts: sync.servicePorts };
  });
}

export {
  syncNftables,
  kubeProxyTable,
  markMasqChain,
  masqueradingChain,
  rejectChain,
  servicesChain,
} from './proxier';
export type {
  NftablesInput,
  NftablesNode,
  NftablesState,
  NftablesSync,
  NftablesSyncOptions,
  NftServicePortOnNode,
} from './proxier';
export {
  chainNameBaseLengthMax,
  hashAndTruncate,
  isAffinitySetName,
  isServiceChainName,
  servicePortChainNameBase,
  servicePortEndpointChainNameBase,
} from './chainNames';
export { dumpTable, sortNFTablesTransaction, joinElementKey } from './table';
export type { NftChain, NftElement, NftFamily, NftSet, NftTable } from './table';
export { listTable, listRule } from './list';
