// field.Error from k8s.io/apimachinery/pkg/util/validation/field, rendered the
// way the API server prints it: `<field>: <Type>[: <value>][: <detail>]`.
import { goQuote } from './goFormat';

export type FieldErrorType = 'Required' | 'Invalid' | 'Duplicate' | 'NotSupported' | 'Forbidden' | 'Internal';

/** A value already rendered the Go way (`"x"`, `8080`, `[]string{"a"}`), or null when the type omits it. */
export type GoValue = string | null;

export interface FieldError {
  type: FieldErrorType;
  /** The path as the API server prints it (`spec.ports[0].name`, even the odd `spec.LoadBalancerSourceRanges`). */
  field: string;
  /** Where it is in the YAML (loader field-path segments), for the diagnostic range. */
  at: readonly (string | number)[];
  value: GoValue;
  detail: string;
}

const TYPE_TEXT: Record<FieldErrorType, string> = {
  Required: 'Required value',
  Invalid: 'Invalid value',
  Duplicate: 'Duplicate value',
  NotSupported: 'Unsupported value',
  Forbidden: 'Forbidden',
  Internal: 'Internal error',
};

/** field.Error.Error(). */
export function renderFieldError(error: FieldError): string {
  let body = TYPE_TEXT[error.type];
  if (
    error.value !== null &&
    error.type !== 'Required' &&
    error.type !== 'Forbidden' &&
    error.type !== 'Internal'
  ) {
    body += `: ${error.value}`;
  }
  if (error.detail !== '') body += `: ${error.detail}`;
  return `${error.field}: ${body}`;
}

/** Go's field.Path.String() for loader-style segments. */
export function goFieldPath(segments: readonly (string | number)[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? segment : `.${segment}`;
  }
  return out;
}

export const goString = goQuote;
export const goInt = (value: number): string => String(value);

export function required(at: readonly (string | number)[], detail = ''): FieldError {
  return { type: 'Required', field: goFieldPath(at), at, value: null, detail };
}

export function invalid(at: readonly (string | number)[], value: GoValue, detail: string): FieldError {
  return { type: 'Invalid', field: goFieldPath(at), at, value, detail };
}

export function duplicate(at: readonly (string | number)[], value: GoValue): FieldError {
  return { type: 'Duplicate', field: goFieldPath(at), at, value, detail: '' };
}

export function notSupported(
  at: readonly (string | number)[],
  value: GoValue,
  valid: readonly string[],
): FieldError {
  const detail = valid.length > 0 ? `supported values: ${valid.map(goQuote).join(', ')}` : '';
  return { type: 'NotSupported', field: goFieldPath(at), at, value, detail };
}

export function forbidden(at: readonly (string | number)[], detail: string): FieldError {
  return { type: 'Forbidden', field: goFieldPath(at), at, value: null, detail };
}

/** Same as the helpers above, for paths printed differently from where the value sits. */
export function withField(error: FieldError, field: string): FieldError {
  return { ...error, field };
}
