export { DEFAULT_LOAD_LIMITS, isPlainObject, keyRangeAt, loadYamlFile, rangeAt } from './yamlDocuments';
export type { LoadLimits } from './yamlDocuments';
