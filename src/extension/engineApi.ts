// Every engine function the extension calls, in one module. The desktop bundle ships it as
// dist/engine.js and engine.ts loads it on first use, so activation evaluates neither the
// engine nor the YAML parser (issue 9: activation < 50 ms).
export {
  createWorkspaceAnalyzer,
  defaultEntry,
  endpointsOfPort,
  entryPoints,
  podLabelsOf,
  POD_TEMPLATE_KINDS,
  requestPath,
  selection,
  servicePortKey,
  servicesSelecting,
  workloadOf,
} from '../engine';
export { keyRangeAt, rangeAt } from '../engine/load';
export { iptablesRules, kubeProxyNodeFor } from '../engine/proxy/iptables';
export { originText, traceRequest } from '../engine/trace/request';
