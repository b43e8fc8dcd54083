// Sprig's defaults and flow control (defaults.go, reflect.go, fail): default, empty, coalesce,
// all, any, ternary, the JSON functions as Sprig defines them (Helm replaces toJson and fromJson
// with its own later), the reflection helpers and fail.
import type { GoFunc, Value } from '../gotemplate';
import { FuncError, typeName } from '../gotemplate';
import { deepEqual, empty, fn, kindOf } from './convert';
import { parseJson, toJsonText } from './json';

const I = 'interface {}';
const S = 'string';

function tryJson(v: Value, escapeHtml: boolean, indent?: string): string {
  try {
    return toJsonText(v, indent === undefined ? { escapeHtml } : { escapeHtml, indent });
  } catch {
    return '';
  }
}

export function defaultFunctions(): Map<string, GoFunc> {
  return new Map<string, GoFunc>([
    [
      'default',
      fn(
        [I],
        I,
        (a) => {
          const given = a.slice(1);
          return given.length === 0 || empty(given[0]) ? a[0] : given[0];
        },
        I,
      ),
    ],
    ['empty', fn([I], 'bool', (a) => empty(a[0]))],
    ['coalesce', fn([], I, (a) => a.find((v) => !empty(v)) ?? null, I)],
    ['all', fn([], 'bool', (a) => a.every((v) => !empty(v)), I)],
    ['any', fn([], 'bool', (a) => a.some((v) => !empty(v)), I)],
    ['ternary', fn([I, I, 'bool'], I, (a) => (a[2] ? a[0] : a[1]))],
    [
      'fromJson',
      fn([S], I, (a) => {
        try {
          return parseJson(a[0] as string);
        } catch {
          return null;
        }
      }),
    ],
    ['mustFromJson', fn([S], I, (a) => parseJson(a[0] as string))],
    ['toJson', fn([I], S, (a) => tryJson(a[0], true))],
    ['mustToJson', fn([I], S, (a) => toJsonText(a[0], { escapeHtml: true }))],
    ['toPrettyJson', fn([I], S, (a) => tryJson(a[0], true, '  '))],
    ['mustToPrettyJson', fn([I], S, (a) => toJsonText(a[0], { escapeHtml: true, indent: '  ' }))],
    // toRawJson panics where mustToRawJson returns the error: the same message either way.
    ['toRawJson', fn([I], S, (a) => toJsonText(a[0], { escapeHtml: false }))],
    ['mustToRawJson', fn([I], S, (a) => toJsonText(a[0], { escapeHtml: false }))],
    ['typeOf', fn([I], S, (a) => typeName(a[0]))],
    ['typeIs', fn([S, I], 'bool', (a) => a[0] === typeName(a[1]))],
    [
      'typeIsLike',
      fn([S, I], 'bool', (a) => {
        const t = typeName(a[1]);
        return a[0] === t || '*' + (a[0] as string) === t;
      }),
    ],
    ['kindOf', fn([I], S, (a) => kindOf(a[0]))],
    ['kindIs', fn([S, I], 'bool', (a) => a[0] === kindOf(a[1]))],
    ['deepEqual', fn([I, I], 'bool', (a) => deepEqual(a[0], a[1]))],
    ['hello', fn([], S, () => 'Hello!')],
    [
      'getHostByName',
      fn([S], S, (a) => {
        throw new FuncError(
          `getHostByName ${JSON.stringify(a[0])}: DNS lookups are not modelled (kubepath renders offline)`,
        );
      }),
    ],
    [
      'fail',
      fn([S], S, (a) => {
        throw new FuncError(a[0] as string);
      }),
    ],
  ]);
}
