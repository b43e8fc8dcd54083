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
