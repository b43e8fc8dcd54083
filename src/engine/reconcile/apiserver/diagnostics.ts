// Turns the API server's answers into kubepath Diagnostics: the exact text
// after a short lead-in, a range on the offending field, a stable code, and
// quick fixes as data where the repair is obvious.
import { keyRangeAt, rangeAt } from '../../model';
import type { Diagnostic, Fix, LoadedObject, SourceRange } from '../../model';
import { formatFieldPath } from '../../model';
import type { AllocationFinding } from './allocation';
import type { DecodeError, Segments, V1Service } from './decode';
import type { FieldError } from './fieldError';
import { renderFieldError } from './fieldError';

export const CODE_INVALID = 'service-invalid';
export const CODE_PORT_DUPLICATE = 'service-port-duplicate';
export const CODE_PORT_NAME_REQUIRED = 'service-port-name-required';
export const CODE_NODEPORT_DUPLICATE = 'service-nodeport-duplicate';
export const CODE_NODEPORT_OUT_OF_RANGE = 'service-nodeport-out-of-range';

const PORT_NAME = /^spec\.ports\[\d+\]\.name$/;
const PORT_ITEM = /^spec\.ports\[\d+\]$/;
const NODE_PORT = /^spec\.ports\[\d+\]\.nodePort$/;

function codeForFieldError(error: FieldError): string {
  if (error.type === 'Required' && PORT_NAME.test(error.field)) return CODE_PORT_NAME_REQUIRED;
  if (error.type === 'Duplicate' && (PORT_NAME.test(error.field) || PORT_ITEM.test(error.field))) {
    return CODE_PORT_DUPLICATE;
  }
  if (error.type === 'Duplicate' && NODE_PORT.test(error.field)) return CODE_NODEPORT_DUPLICATE;
  return CODE_INVALID;
}

export function leadIn(name: string): string {
  return `The Service ${JSON.stringify(name)} is invalid: `;
}

function diagnostic(range: SourceRange, code: string, message: string, fixes: Fix[] = []): Diagnostic {
  return { range, severity: 'error', code, message, ...(fixes.length > 0 ? { fixes } : {}) };
}

function replaceFix(title: string, range: SourceRange, newText: string): Fix {
  return { title, edits: [{ range, newText }], preferred: true };
}

/** Inserts `key: value` as the first entry of the block mapping at `at`; null for flow mappings. */
function insertKeyFix(
  object: LoadedObject,
  at: Segments,
  raw: unknown,
  line: string,
  title: string,
): Fix | null {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return null;
  const mapping = rangeAt(object, at);
  const firstKey = Object.keys(raw)[0];
  if (firstKey === undefined) return null;
  const keyRange = object.keyRanges.get(formatFieldPath([...at, firstKey]));
  if (keyRange?.line !== mapping.line || keyRange.column !== mapping.column) return null;
  const position = { ...mapping, endLine: mapping.line, endColumn: mapping.column };
  return {
    title,
    edits: [{ range: position, newText: `${line}\n${' '.repeat(mapping.column - 1)}` }],
    preferred: true,
  };
}

function rawAt(root: unknown, at: Segments): unknown {
  let node = root;
  for (const segment of at) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}

/** A DNS-1123 label for a port that has none, from what it carries. */
function suggestPortName(service: V1Service, index: number): string {
  const port = service.spec.ports[index];
  const taken = new Set(service.spec.ports.map((p) => p.name));
  const wellKnown: Record<number, string> = {
    80: 'http',
    8080: 'http',
    443: 'https',
    8443: 'https',
    53: 'dns',
  };
  const base =
    port === undefined ? 'port' : (wellKnown[port.port] ?? `${port.protocol.toLowerCase()}-${port.port}`);
  let name = base;
  for (let n = 2; taken.has(name); n++) name = `${base}-${n}`;
  return name;
}

export interface FixContext {
  object: LoadedObject;
  service: V1Service;
  /** A free node port to offer instead of a refused one. */
  freeNodePort: () => number | null;
}

function fixesForFieldError(error: FieldError, context: FixContext): Fix[] {
  const { object, service } = context;
  const index = Number(error.at[2]);
  if (error.type === 'Required' && PORT_NAME.test(error.field)) {
    const name = suggestPortName(service, index);
    const fix = insertKeyFix(
      object,
      ['spec', 'ports', index],
      rawAt(object.raw, ['spec', 'ports', index]),
      `name: ${name}`,
      `Name this port "${name}"`,
    );
    return fix === null ? [] : [fix];
  }
  if (error.type === 'Invalid' && PORT_NAME.test(error.field)) {
    const current = service.spec.ports[index]?.name ?? '';
    const lowered = current
      .toLowerCase()
      .replace(/[^-a-z0-9]/g, '-')
      .replace(/^-+|-+$/g, '');
    if (lowered !== '' && lowered !== current) {
      return [replaceFix(`Rename the port to "${lowered}"`, rangeAt(object, error.at), lowered)];
    }
  }
  if (error.type === 'NotSupported' && /\.protocol$/.test(error.field)) {
    const current = service.spec.ports[index]?.protocol ?? '';
    if (['TCP', 'UDP', 'SCTP'].includes(current.toUpperCase())) {
      return [replaceFix(`Use ${current.toUpperCase()}`, rangeAt(object, error.at), current.toUpperCase())];
    }
  }
  if (error.type === 'NotSupported' && error.field === 'spec.type') {
    const match = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'].find(
      (t) => t.toLowerCase() === service.spec.type.toLowerCase(),
    );
    if (match !== undefined) return [replaceFix(`Use ${match}`, rangeAt(object, error.at), match)];
  }
  if (error.type === 'Forbidden' && NODE_PORT.test(error.field) && object.ranges.has('spec.type')) {
    return [replaceFix('Change the Service type to NodePort', rangeAt(object, ['spec', 'type']), 'NodePort')];
  }
  return [];
}

export function fieldErrorDiagnostic(error: FieldError, name: string, context: FixContext): Diagnostic {
  const hint =
    error.type === 'Required' && PORT_NAME.test(error.field)
      ? '. A Service with more than one port must name every port.'
      : '';
  return diagnostic(
    rangeAt(context.object, error.at),
    codeForFieldError(error),
    `${leadIn(name)}${renderFieldError(error)}${hint}`,
    fixesForFieldError(error, context),
  );
}

export function decodeErrorDiagnostic(error: DecodeError, object: LoadedObject): Diagnostic {
  const range = error.unknownField === true ? keyRangeAt(object, error.at) : rangeAt(object, error.at);
  const fixes =
    error.suggestion !== undefined
      ? [replaceFix(`Rename to "${error.suggestion}"`, keyRangeAt(object, error.at), error.suggestion)]
      : [];
  return diagnostic(
    range,
    CODE_INVALID,
    `Service in version "v1" cannot be handled as a Service: ${error.message}`,
    fixes,
  );
}

export function allocationDiagnostic(
  finding: AllocationFinding,
  name: string,
  context: FixContext,
  heldBy: { name: string; range: SourceRange | null } | null,
): Diagnostic {
  const code =
    finding.kind === 'port-in-use'
      ? CODE_NODEPORT_DUPLICATE
      : finding.kind === 'port-out-of-range'
        ? CODE_NODEPORT_OUT_OF_RANGE
        : CODE_INVALID;
  const hint = heldBy === null ? '' : ` (Service ${heldBy.name} already uses it)`;
  const message = `${finding.fieldError ? leadIn(name) : ''}${finding.message}${hint}`;
  const range = rangeAt(context.object, finding.at);
  const fixes: Fix[] = [];
  if (
    (finding.kind === 'port-in-use' || finding.kind === 'port-out-of-range') &&
    context.object.ranges.has(formatFieldPath(finding.at))
  ) {
    const free = context.freeNodePort();
    if (free !== null) fixes.push(replaceFix(`Use free node port ${free}`, range, String(free)));
  }
  const result = diagnostic(range, code, message, fixes);
  if (heldBy?.range != null) {
    result.related = [{ range: heldBy.range, message: `Service ${heldBy.name} holds this value` }];
  }
  return result;
}

export function apiVersionDiagnostic(object: LoadedObject): Diagnostic {
  return diagnostic(
    rangeAt(object, ['apiVersion']),
    CODE_INVALID,
    `no matches for kind "Service" in version ${JSON.stringify(object.apiVersion)}`,
    [replaceFix('Use apiVersion v1', rangeAt(object, ['apiVersion']), 'v1')],
  );
}
