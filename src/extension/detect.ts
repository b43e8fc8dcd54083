// Cheap checks that decide whether kubepath should wake up for a document, so that
// opening ordinary YAML (CI configs, docker-compose, OpenAPI) costs nothing.

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

export const PROFILE_FILE_NAME = 'kubepath.cluster.yaml';

/** The file extensions the engine reads (DESIGN.md: `*.yaml|*.yml|*.json`). */
export function isManifestPath(path: string): boolean {
  return /\.(ya?ml|json)$/i.test(path);
}
