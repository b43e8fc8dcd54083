export type * from './k8s';
export type * from './loaded';
export type * from './profile';
export type * from './source';
export { fileStartRange } from './source';
export { formatFieldPath } from './fieldPath';
export type * from './cluster';
export type * from './trace';
export type * from './requestPath';
