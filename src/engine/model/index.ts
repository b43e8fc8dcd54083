export type * from './k8s';
export { podIPsOf } from './k8s';
export type * from './loaded';
export type * from './profile';
export type * from './source';
export { fileStartRange } from './source';
export { formatFieldPath } from './fieldPath';
export { forGeneratedObject, goJsonKind, isPlainObject, keyRangeAt, rangeAt } from './objects';
export {
  fileRole,
  isKustomizationPath,
  KUSTOMIZATION_FILES,
  POD_TEMPLATE_KINDS,
  PROFILE_FILE_NAME,
} from './files';
export type { FileRole } from './files';
export { decodeManifestBytes } from './manifestBytes';
export { DEFAULT_LOAD_LIMITS } from './limits';
export type { LoadLimits } from './limits';
export type * from './cluster';
export type * from './trace';
export type * from './requestPath';
