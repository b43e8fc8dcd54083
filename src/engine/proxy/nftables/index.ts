// kube-proxy, nftables mode: cluster state + node → the `ip kube-proxy` table that node holds.
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
