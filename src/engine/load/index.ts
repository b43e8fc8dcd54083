export { DEFAULT_LOAD_LIMITS, loadYamlFile } from './yamlDocuments';
export { unreadableFile } from './unreadable';
export type { LoadLimits } from './yamlDocuments';
export { decodeManifestBytes } from '../model';
