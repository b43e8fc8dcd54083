// `crds:` files (api/internal/accumulator/loadconfigfromcrds.go): OpenAPI type maps whose
// properties carry kustomize extensions: x-kubernetes-object-ref-kind/-api-version (a name
// reference, key x-kubernetes-object-ref-name-key or `name`), x-kubernetes-annotation,
// x-kubernetes-label-selector, x-kubernetes-identity (gets the name prefix). `$ref` recurses.
import type { TransformerConfig } from './config';
import type { FieldSpec } from './fieldSpecs';
import type { Value, ValueMap } from './value';
import { isValueMap } from './value';

const MAX_DEPTH = 32;

function propertiesOf(api: Value | undefined): ValueMap | undefined {
  if (!isValueMap(api)) return undefined;
  const schema = api['Schema'];
  const props = isValueMap(schema) ? schema['properties'] : undefined;
  return isValueMap(props) ? props : undefined;
}

/** The config additions a CRD type map declares. */
export function configFromCrds(types: ValueMap, into: TransformerConfig): void {
  for (const [name, api] of Object.entries(types)) {
    const props = propertiesOf(api);
    if (!props || !('kind' in props) || !('apiVersion' in props) || !('metadata' in props)) continue;
    const kind = name.split('.').pop() ?? name;
    walk(types, name, [], kind, into, 0);
  }
}

function walk(
  types: ValueMap,
  typeName: string,
  path: string[],
  kind: string,
  into: TransformerConfig,
  depth: number,
): void {
  if (depth > MAX_DEPTH) return;
  const props = propertiesOf(types[typeName]);
  if (!props) return;
  for (const [prop, p] of Object.entries(props)) {
    if (!isValueMap(p)) continue;
    const at = [...path, prop];
    const spec = (extra: string[] = []): FieldSpec => ({ path: [...at, ...extra].join('/'), kind });
    if (typeof p['x-kubernetes-annotation'] === 'string') into.commonAnnotations.push(spec());
    if (typeof p['x-kubernetes-label-selector'] === 'string') into.commonLabels.push(spec());
    if (typeof p['x-kubernetes-identity'] === 'string') into.namePrefix.push(spec());
    const version = p['x-kubernetes-object-ref-api-version'];
    const refKind = p['x-kubernetes-object-ref-kind'];
    if (typeof version === 'string' && typeof refKind === 'string') {
      const nameKey =
        typeof p['x-kubernetes-object-ref-name-key'] === 'string'
          ? p['x-kubernetes-object-ref-name-key']
          : 'name';
      into.nameReference.push({ target: { kind: refKind, version }, specs: [spec([nameKey])] });
    }
    const ref = p['$ref'];
    if (typeof ref === 'string' && ref !== '') walk(types, ref, at, kind, into, depth + 1);
  }
}
