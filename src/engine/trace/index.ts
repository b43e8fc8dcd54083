export { parseIptablesSave, BUILTIN_CHAINS, hasParseErrors } from './parse';
export { tracePacket } from './interpret';
export type { TraceOptions } from './interpret';
export type {
  IptablesDump,
  IptablesTable,
  IptablesChain,
  IptablesRule,
  RuleMatch,
  RuleTarget,
  AddressField,
} from './dump';
export { findTable, findChain } from './dump';
export { parseNftRuleset } from './nft/parse';
export { traceNftPacket } from './nft/interpret';
export type { NftTraceOptions } from './nft/interpret';
export type {
  NftRuleset,
  NftRulesetTable,
  NftRulesetChain,
  NftRulesetRule,
  NftRulesetSet,
  NftRulesetElement,
  NftBaseChain,
} from './nft/ruleset';
