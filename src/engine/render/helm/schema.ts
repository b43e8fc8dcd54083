// values.schema.json (chartutil.ValidateAgainstSchema): each chart's schema checked against its
// values with @cfworker/json-schema, errors worded as santhosh-tekuri/jsonschema v6 prints them
// (`- at '/replicaCount': got string, want integer`), grouped per chart as Helm groups them.
import { Validator } from '@cfworker/json-schema';
import type { OutputUnit, Schema } from '@cfworker/json-schema';
import type { Value } from '../gotemplate';
import type { Chart } from './chart';
import { fileText } from './chart';
import { goJsonMarshal } from './encoding';
import { isTable } from './values';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function jsonType(v: Json | undefined): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'object';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function at(doc: Json, pointer: string): Json | undefined {
  let cur: Json | undefined = doc;
  for (const raw of pointer.replace(/^#/, '').split('/').slice(1)) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (cur === null || cur === undefined || typeof cur !== 'object') return undefined;
    cur = Array.isArray(cur) ? cur[Number(key)] : cur[key];
  }
  return cur;
}

function schemaAt(schema: Json, keywordLocation: string): Json | undefined {
  return at(schema, keywordLocation);
}

const show = (x: Json | undefined): string => (typeof x === 'string' ? x : (JSON.stringify(x) ?? 'null'));

const quoteList = (xs: readonly Json[]): string =>
  xs.map((x) => (typeof x === 'string' ? `'${x}'` : JSON.stringify(x))).join(', ');

/** One error unit in v6's words, or undefined for the container keywords v6 does not print. */
function v6Message(e: OutputUnit, instance: Json, schema: Json): string | undefined {
  const v = at(instance, e.instanceLocation);
  const kw = schemaAt(schema, e.keywordLocation);
  switch (e.keyword) {
    case 'type': {
      const want = Array.isArray(kw) ? kw.map(show).join(' or ') : show(kw);
      let got = jsonType(v);
      if (got === 'integer' && want !== 'integer') got = 'number';
      return `got ${got}, want ${want}`;
    }
    case 'required': {
      const m = /property "([^"]*)"/.exec(e.error);
      return `missing property '${m?.[1] ?? ''}'`;
    }
    case 'enum':
      return `value must be one of ${quoteList(Array.isArray(kw) ? kw : [])}`;
    case 'const':
      return `value must be ${JSON.stringify(kw)}`;
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
    case 'minLength':
    case 'maxLength':
    case 'minItems':
    case 'maxItems':
    case 'minProperties':
    case 'maxProperties': {
      const got =
        typeof v === 'string'
          ? Array.from(v).length
          : Array.isArray(v)
            ? v.length
            : v !== null && typeof v === 'object'
              ? Object.keys(v).length
              : v;
      return `${e.keyword}: got ${show(got)}, want ${show(kw)}`;
    }
    case 'pattern':
      return `'${show(v)}' does not match pattern '${show(kw)}'`;
    case 'format':
      return `'${show(v)}' is not valid ${show(kw)}`;
    case 'multipleOf':
      return `${show(v)} not multipleOf ${show(kw)}`;
    case 'false':
      return 'false schema';
    case 'additionalProperties': {
      const m = /Property "([^"]*)"/.exec(e.error);
      return `additional properties '${m?.[1] ?? ''}' not allowed`;
    }
    case 'uniqueItems':
      return 'items are not unique';
    case 'not':
      return "'not' failed";
    default:
      return undefined;
  }
}

/** ValidateAgainstSingleSchema: the error text (v6's lines), or undefined when the values pass. */
export function validateSingleSchema(
  values: ReadonlyMap<string, Value>,
  schemaBytes: Uint8Array,
): string | undefined {
  let schema: Json;
  try {
    schema = JSON.parse(fileText(schemaBytes)) as Json;
  } catch (e) {
    return `${e instanceof Error ? e.message : String(e)}\n`;
  }
  const instance = JSON.parse(goJsonMarshal(values)) as Json;
  let result;
  try {
    const validator = new Validator(schema as unknown as Schema, '2020-12', false);
    result = validator.validate(instance);
  } catch (e) {
    return `unable to validate schema: ${e instanceof Error ? e.message : String(e)}\n`;
  }
  if (result.valid) return undefined;
  const lines: string[] = [];
  // Additional properties are reported by the property they name, not the `false` schema under it.
  const additional = new Set(
    result.errors.filter((e) => e.keyword === 'additionalProperties').map((e) => e.instanceLocation),
  );
  for (const e of result.errors) {
    if (e.keyword === 'false' && [...additional].some((a) => e.instanceLocation.startsWith(`${a}/`)))
      continue;
    const msg = v6Message(e, instance, schema);
    if (msg === undefined) continue;
    const path = e.instanceLocation.replace(/^#/, '');
    const line = `- at '${path}': ${msg}`;
    if (!lines.includes(line)) lines.push(line);
  }
  if (lines.length === 0) lines.push(`- at '': ${result.errors[0]?.error ?? 'invalid'}`);
  return `${lines.join('\n')}\n`;
}

/** chartutil.ValidateAgainstSchema over the chart and its subcharts. */
export function validateAgainstSchema(chart: Chart, values: ReadonlyMap<string, Value>): string | undefined {
  let sb = '';
  if (chart.schema !== undefined) {
    const err = validateSingleSchema(values, chart.schema);
    if (err !== undefined) sb += `${chart.metadata.name}:\n${err}`;
  }
  for (const sub of chart.dependencies) {
    const raw = values.get(sub.metadata.name);
    if (raw === undefined || raw === null) continue;
    if (!isTable(raw)) {
      sb += `${sub.metadata.name}:\ninvalid type for values: expected object (map), got ${typeof raw}\n`;
      continue;
    }
    const err = validateAgainstSchema(sub, raw);
    if (err !== undefined) sb += err;
  }
  return sb === '' ? undefined : sb;
}
