// Cheap checks that decide whether kubepath should wake up for a document, so that
// opening ordinary YAML (CI configs, docker-compose, OpenAPI) costs nothing.
import { fileRole } from '../engine/model';

/** How much of a document the activation check looks at. */
const SNIFF_CHARS = 64 * 1024;

const YAML_API_VERSION = /^\s*(?:-\s+)?apiVersion\s*:/m;
const YAML_KIND = /^\s*(?:-\s+)?kind\s*:\s*["']?[A-Z][A-Za-z]+/m;
const JSON_API_VERSION = /"apiVersion"\s*:/;
const JSON_KIND = /"kind"\s*:\s*"[A-Z][A-Za-z]+"/;

/** True when the text plausibly holds at least one Kubernetes object (or a kubepath profile). */
export function looksLikeKubernetes(text: string): boolean {
  const head = text.length > SNIFF_CHARS ? text.slice(0, SNIFF_CHARS) : text;
  if (head.trimStart().startsWith('{') || head.trimStart().startsWith('[')) {
    return JSON_API_VERSION.test(head) && JSON_KIND.test(head);
  }
  return YAML_API_VERSION.test(head) && YAML_KIND.test(head);
}

export { PROFILE_FILE_NAME } from '../engine/model';

/** The files the analysis reads: manifests (DESIGN.md: `*.yaml|*.yml|*.json`) and the profile. */
export function isAnalysisInput(path: string): boolean {
  return fileRole(path) !== 'other';
}
