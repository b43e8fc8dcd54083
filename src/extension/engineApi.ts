// Every engine function the extension calls, in one module. The desktop bundle ships it as
// dist/engine.js and engine.ts loads it on first use, so activation evaluates neither the
// engine nor the YAML parser (issue 9: activation < 50 ms).
export {
  builtFrom,
  createWorkspaceAnalyzer,
  DEFAULT_LOAD_LIMITS,
  defaultEntry,
  endpointsOfPort,
  entryPoints,
  isKustomizationPath,
  kustomizationReferences,
  KUSTOMIZATION_FILES,
  keyRangeAt,
  originText,
  podLabelsOf,
  POD_TEMPLATE_KINDS,
  portChains,
  rangeAt,
  renderTrace,
  requestPath,
  rules,
  selection,
  portKey,
  servicesSelecting,
  traceRequest,
  workloadOf,
} from '../engine';
