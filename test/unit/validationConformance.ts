// Shared by the API-server validation conformance suites (test/fixtures/conformance/validation/*):
// reading a case set, what a case expects (with the corrections a suite records), and the
// check that every expected `<fieldPath>: <message>` is the text of one error diagnostic on the
// case's object and that nothing else is an error.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Diagnostic, LoadedObject } from '../../src/engine/model';
import { loadYamlFile } from '../../src/engine/load';

export interface ExpectedError {
  fieldPath: string;
  message: string;
}

export interface ValidationCase {
  id: string;
  source: { test?: string; function?: string };
  inputFiles: string[];
  expected: ExpectedError[];
  /** Accepted by validation, refused on create by the allocator of a default cluster. */
  allocatorExpected?: ExpectedError[];
  /** Accepted by validation; create depends on the cluster's service CIDRs. */
  dependsOnCluster?: boolean;
  derived?: boolean;
  confidence?: string;
}

/**
 * Where a `derived` fixture message disagrees with upstream's source, the source wins: the
 * text the API server produces replaces the fixture's (or a step upstream's test skips adds
 * to it), with where upstream says so.
 */
export interface Correction {
  /** Replaces the fixture's expected texts. */
  expected?: string[];
  /** Added to the expected texts (a create-time step the validation-only test skips). */
  alsoExpected?: string[];
  fixture?: string;
  source: string;
  why: string;
}

export const VALIDATION_DIR = join(
  __dirname,
  '..',
  '..',
  '..',
  'test',
  'fixtures',
  'conformance',
  'validation',
);

export function readCaseSet(set: string): {
  dir: string;
  cases: ValidationCase[];
  knownGaps: Record<string, string>;
} {
  const dir = join(VALIDATION_DIR, set);
  const cases = JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')) as ValidationCase[];
  const knownGaps = JSON.parse(readFileSync(join(dir, 'known-gaps.json'), 'utf8')) as Record<string, string>;
  return { dir, cases, knownGaps };
}

export function loadCaseObjects(dir: string, c: ValidationCase): LoadedObject[] {
  return c.inputFiles.flatMap(
    (file) => loadYamlFile(file, readFileSync(join(dir, 'cases', file), 'utf8')).objects,
  );
}

const text = (e: ExpectedError): string => `${e.fieldPath}: ${e.message}`;

/** What the API server answers for the case's manifest, corrections applied. */
export function expectedTexts(c: ValidationCase, correction: Correction | undefined): string[] {
  return [
    ...(correction?.expected ?? [...c.expected, ...(c.allocatorExpected ?? [])].map(text)),
    ...(correction?.alsoExpected ?? []),
  ];
}

function inside(d: Diagnostic, object: LoadedObject): boolean {
  const r = object.range;
  return (
    d.range.file === r.file &&
    (d.range.line > r.line || (d.range.line === r.line && d.range.column >= r.column)) &&
    (d.range.endLine < r.endLine || (d.range.endLine === r.endLine && d.range.endColumn <= r.endColumn))
  );
}

const LEAD_IN = /^The [A-Za-z]+ "[^"]*" is invalid: /;

/**
 * Whether a diagnostic's message is the API server's text: after the `The <Kind> "x" is invalid: `
 * lead-in (absent for errors the API server words otherwise, e.g. `Internal error occurred: …`),
 * the text itself, followed at most by kubepath's hint (` (…)` or `. …`).
 */
function states(message: string, text: string): boolean {
  const body = message.replace(LEAD_IN, '');
  return body === text || body.startsWith(`${text} (`) || body.startsWith(`${text}. `);
}

/**
 * null when the errors are exactly the expected ones: each expected text is in its own error
 * diagnostic (see `states`), every error lies on the case's
 * object, and there is no other error. Otherwise what differs.
 */
export function compareErrors(
  diagnostics: readonly Diagnostic[],
  expected: readonly string[],
  object: LoadedObject,
): string | null {
  const errors = diagnostics.filter((d) => d.severity === 'error');
  const unmatched = [...errors];
  const missing: string[] = [];
  for (const want of expected) {
    const i = unmatched.findIndex((d) => states(d.message, want));
    if (i < 0) missing.push(want);
    else unmatched.splice(i, 1);
  }
  const outside = errors.filter((d) => !inside(d, object));
  if (missing.length === 0 && unmatched.length === 0 && outside.length === 0) return null;
  const lines: string[] = [];
  for (const m of missing) lines.push(`missing: ${m}`);
  for (const u of unmatched) lines.push(`unexpected: ${u.message}`);
  for (const o of outside) lines.push(`not on the object: ${o.message}`);
  return lines.join('\n');
}
