// The API server's decoding and ValidateObjectMeta for the objects kubepath models
// besides Services (Pods and the apps/v1 workloads, and their pod templates): a pod
// template label or annotation that is not a JSON string is a typed-decode error
// (`json: cannot unmarshal bool into Go struct field ObjectMeta.spec.template.metadata.labels
// of type string`; the top-level metadata is kubectl's, load/metadataOnly.ts); names follow each kind's rule
// (DNS-1123 subdomain, StatefulSet a DNS-1123 label), label keys and values
// IsQualifiedName / IsValidLabelValue, with the API server's field paths and messages.
import type { Diagnostic, LoadedObject } from '../../model';
import { goJsonKind, isPlainObject, keyRangeAt, rangeAt } from '../../model';
import {
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
} from './apimachineryValidation';
import type { Segments } from './decode';
import type { FieldError } from './fieldError';
import { goString, invalid, renderFieldError, required } from './fieldError';

type NameRule = (name: string) => string[];

/** Each modelled kind's name validation (pkg/apis/apps and core validation). */
const NAME_RULES: Record<string, NameRule> = {
  Pod: isDNS1123Subdomain,
  Deployment: isDNS1123Subdomain,
  ReplicaSet: isDNS1123Subdomain,
  DaemonSet: isDNS1123Subdomain,
  ReplicationController: isDNS1123Subdomain,
  StatefulSet: isDNS1123Label,
};

/** Kinds with a pod template at spec.template (Pods carry their own metadata). */
const TEMPLATE_KINDS = new Set([
  'Deployment',
  'ReplicaSet',
  'DaemonSet',
  'StatefulSet',
  'ReplicationController',
]);

const CODE = 'workload-invalid';

interface DecodeFinding {
  at: Segments;
  message: string;
}

/** `Struct.json.path` of Go's UnmarshalTypeError for a value at `at` (indices dropped). */
function goJsonPath(at: Segments): string {
  return at.filter((s): s is string => typeof s === 'string').join('.');
}

function typeError(
  at: Segments,
  value: unknown,
  struct: string,
  jsonPath: Segments,
  type: string,
): DecodeFinding {
  return {
    at,
    message: `json: cannot unmarshal ${goJsonKind(value)} into Go struct field ${struct}.${goJsonPath(jsonPath)} of type ${type}`,
  };
}

/** The strings of an ObjectMeta as decoded, with the decode errors of anything else. */
function decodeMeta(
  raw: unknown,
  at: Segments,
  owner: string,
  errors: DecodeFinding[],
): {
  name: string;
  generateName: string;
  namespace: string | null;
  labels: Record<string, string>;
  annotations: Record<string, string>;
} {
  const meta = { name: '', generateName: '', namespace: null as string | null, labels: {}, annotations: {} };
  if (raw === undefined || raw === null) return meta;
  if (!isPlainObject(raw)) {
    errors.push(typeError(at, raw, owner, at, 'v1.ObjectMeta'));
    return meta;
  }
  const str = (key: string): string | null => {
    const value = raw[key];
    if (value === undefined || value === null) return null;
    if (typeof value === 'string') return value;
    errors.push(typeError([...at, key], value, 'ObjectMeta', [...at, key], 'string'));
    return typeof value === 'number' || typeof value === 'boolean' ? String(value) : null;
  };
  const map = (key: string): Record<string, string> => {
    const value = raw[key];
    const out: Record<string, string> = {};
    if (value === undefined || value === null) return out;
    if (!isPlainObject(value)) {
      errors.push(typeError([...at, key], value, 'ObjectMeta', [...at, key], 'map[string]string'));
      return out;
    }
    for (const [k, v] of Object.entries(value)) {
      if (typeof v === 'string') out[k] = v;
      else if (v !== null) {
        errors.push(typeError([...at, key, k], v, 'ObjectMeta', [...at, key], 'string'));
        if (typeof v === 'number' || typeof v === 'boolean') out[k] = String(v);
      } else out[k] = '';
    }
    return out;
  };
  return {
    name: str('name') ?? '',
    generateName: str('generateName') ?? '',
    namespace: str('namespace'),
    labels: map('labels'),
    annotations: map('annotations'),
  };
}

/** Errors reported on a map key (the label key, not its value) for the diagnostic range. */
type KeyErrors = Set<FieldError>;

/** `field` is the path the API server prints when it is not where the map sits. */
function validateLabels(
  labels: Record<string, string>,
  at: Segments,
  onKey: KeyErrors,
  field?: string,
): FieldError[] {
  const errs: FieldError[] = [];
  const printed = (e: FieldError): FieldError => (field === undefined ? e : { ...e, field });
  for (const [key, value] of Object.entries(labels)) {
    for (const msg of isQualifiedName(key)) {
      const e = { ...printed(invalid(at, goString(key), msg)), at: [...at, key] };
      onKey.add(e);
      errs.push(e);
    }
    for (const msg of isValidLabelValue(value))
      errs.push({ ...printed(invalid(at, goString(value), msg)), at: [...at, key] });
  }
  return errs;
}

function validateAnnotationKeys(
  annotations: Record<string, string>,
  at: Segments,
  onKey: KeyErrors,
  field?: string,
): FieldError[] {
  const errs: FieldError[] = [];
  for (const key of Object.keys(annotations)) {
    for (const msg of isQualifiedName(key.toLowerCase())) {
      const error = invalid(at, goString(key), msg);
      const e = { ...(field === undefined ? error : { ...error, field }), at: [...at, key] };
      onKey.add(e);
      errs.push(e);
    }
  }
  return errs;
}

/** maskTrailingDash, quirk included: it drops the last two characters and appends `a`. */
export function maskTrailingDash(name: string): string {
  return name.length > 1 && name.endsWith('-') ? `${name.slice(0, -2)}a` : name;
}

/** NameIsDNSSubdomain / NameIsDNSLabel: a generateName prefix is masked first. */
function validateName(rule: NameRule, name: string, generateName: string, at: Segments): FieldError[] {
  const errs: FieldError[] = [];
  if (generateName !== '') {
    for (const msg of rule(maskTrailingDash(generateName)))
      errs.push(invalid([...at, 'generateName'], goString(generateName), msg));
  }
  if (name === '') {
    if (generateName === '') errs.push(required([...at, 'name'], 'name or generateName is required'));
  } else {
    for (const msg of rule(name)) errs.push(invalid([...at, 'name'], goString(name), msg));
  }
  return errs;
}

/** Whether kubepath checks this object's metadata here (Services have their own admission). */
export function hasObjectMetaRules(kind: string): boolean {
  return kind in NAME_RULES;
}

/**
 * Decode errors and ObjectMeta validation of a Pod or apps/v1 workload, as diagnostics
 * (`<Kind> in version "v1" cannot be handled as a <Kind>: …`, `The <Kind> "x" is invalid: …`).
 * An object without a name is left to the caller (it reports it and models nothing).
 */
export function validateWorkloadMeta(object: LoadedObject): Diagnostic[] {
  const rule = NAME_RULES[object.kind];
  if (rule === undefined) return [];
  const decodeErrors: DecodeFinding[] = [];
  // Wrong types in the top-level metadata: kubectl refuses the file before the API server
  // sees it (the loader reports "unable to decode"); the values are still read here.
  const meta = decodeMeta(object.raw['metadata'], ['metadata'], object.kind, []);
  const fieldErrors: FieldError[] = [];
  const onKey: KeyErrors = new Set();
  if (meta.name !== '' || meta.generateName !== '') {
    fieldErrors.push(...validateName(rule, meta.name, meta.generateName, ['metadata']));
  }
  if (meta.namespace !== null && meta.namespace !== '') {
    for (const msg of isDNS1123Label(meta.namespace))
      fieldErrors.push(invalid(['metadata', 'namespace'], goString(meta.namespace), msg));
  }
  fieldErrors.push(...validateLabels(meta.labels, ['metadata', 'labels'], onKey));
  fieldErrors.push(...validateAnnotationKeys(meta.annotations, ['metadata', 'annotations'], onKey));
  if (TEMPLATE_KINDS.has(object.kind)) {
    const spec = object.raw['spec'];
    const template = isPlainObject(spec) ? spec['template'] : undefined;
    if (isPlainObject(template)) {
      const at: Segments = ['spec', 'template', 'metadata'];
      const templateMeta = decodeMeta(template['metadata'], at, 'PodTemplateSpec', decodeErrors);
      // ValidatePodTemplateSpec checks them at fldPath.Child("labels"): `spec.template.labels`.
      fieldErrors.push(
        ...validateLabels(templateMeta.labels, [...at, 'labels'], onKey, 'spec.template.labels'),
      );
      fieldErrors.push(
        ...validateAnnotationKeys(
          templateMeta.annotations,
          [...at, 'annotations'],
          onKey,
          'spec.template.annotations',
        ),
      );
    }
  }
  const version = object.apiVersion.slice(object.apiVersion.indexOf('/') + 1);
  const diagnostics: Diagnostic[] = decodeErrors.map((e) => ({
    range: rangeAt(object, e.at),
    severity: 'error',
    code: CODE,
    message: `${object.kind} in version ${JSON.stringify(version)} cannot be handled as a ${object.kind}: ${e.message}`,
  }));
  const shownName = meta.name !== '' ? meta.name : meta.generateName;
  for (const e of fieldErrors) {
    // A label key's error sits on the key; its value's on the value.
    diagnostics.push({
      range: onKey.has(e) ? keyRangeAt(object, e.at) : rangeAt(object, e.at),
      severity: 'error',
      code: CODE,
      message: `The ${object.kind} ${JSON.stringify(shownName)} is invalid: ${renderFieldError(e)}`,
    });
  }
  return diagnostics;
}
