// A kustomization's `openapi: {path}` schema (kyaml openapi.SetSchema): for the kinds it
// declares (x-kubernetes-group-version-kind), list fields merge by the schema's
// x-kubernetes-patch-merge-key when x-kubernetes-patch-strategy says merge, else are replaced.
import type { Gvk } from './resource';
import type { Value, ValueMap } from './value';
import { isValueMap } from './value';

export interface OpenApiSchema {
  readonly definitions: ValueMap;
}

export type ListStrategy = { readonly key: string } | 'replace';

function resolve(schema: OpenApiSchema, node: Value | undefined, depth = 0): ValueMap | undefined {
  if (!isValueMap(node) || depth > 32) return undefined;
  const ref = node['$ref'];
  if (typeof ref === 'string' && ref.startsWith('#/definitions/')) {
    return resolve(schema, schema.definitions[ref.slice('#/definitions/'.length)], depth + 1);
  }
  return node;
}

function rootFor(schema: OpenApiSchema, g: Gvk): ValueMap | undefined {
  for (const def of Object.values(schema.definitions)) {
    if (!isValueMap(def)) continue;
    const gvks = def['x-kubernetes-group-version-kind'];
    if (!Array.isArray(gvks)) continue;
    if (
      gvks.some(
        (x) => isValueMap(x) && x['group'] === g.group && x['version'] === g.version && x['kind'] === g.kind,
      )
    )
      return def;
  }
  return undefined;
}

function property(schema: OpenApiSchema, node: ValueMap | undefined, key: string): ValueMap | undefined {
  const props = node?.['properties'];
  let p = resolve(schema, isValueMap(props) ? props[key] : undefined);
  if (p?.['type'] === 'array') p = resolve(schema, p['items']) ?? p;
  return p;
}

/** The strategy for list `field` under map path `at`, or undefined if the schema does not know the kind. */
export function schemaListStrategy(
  schema: OpenApiSchema,
  g: Gvk,
  at: readonly string[],
  field: string,
): ListStrategy | undefined {
  let node = rootFor(schema, g);
  if (!node) return undefined;
  for (const key of at) node = property(schema, node, key);
  const props = node?.['properties'];
  const prop = resolve(schema, isValueMap(props) ? props[field] : undefined);
  const strategy = prop?.['x-kubernetes-patch-strategy'];
  const key = prop?.['x-kubernetes-patch-merge-key'];
  if (typeof strategy === 'string' && strategy.split(',').includes('merge') && typeof key === 'string')
    return { key };
  return 'replace';
}
