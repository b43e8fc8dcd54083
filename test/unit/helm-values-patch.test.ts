// patchValues (render/helm/values.ts): a values file read again after a one-line edit is
// derived from the earlier read when only the plain scalar of one `key: scalar` line changed.
// Whatever the line and the new text, the result is either none (the file is read in full) or
// exactly what reading the new text gives: the same values, and every key at the same line
// and column (what the source maps name).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isMap, isScalar, isSeq } from 'yaml';
import type { ParsedYaml } from '../../src/engine/render/helm/values';
import { patchValues, readValues } from '../../src/engine/render/helm/values';

const TEXTS: readonly string[] = [
  `replicas: 2
image:
  repository: nginx
  tag: "1.25"
  pullPolicy: IfNotPresent
ports:
  - name: http
    port: 80
  - port: 9090
    name: metrics
nested:
  deeper:
    level: 3
    ratio: 0.5
flag: true
`,
  // Anchors, aliases and merge keys: a value shared by two paths.
  `base: &base
  replicas: 1
  size: 2
other:
  <<: *base
  size: 3
list: [a, b]
flow: {k: 1,
  j: 2}
`,
  // Block scalars, duplicate keys, a comment, a second document.
  `script: |
  replicas: 3
  echo: hi
dup: 1
dup: 2
commented: 4 # four
last: 5
---
later: 6
`,
  // CRLF and no newline at the end.
  'a: 1\r\nb:\r\n  c: 2\r\nd: 3',
  `"quoted": 1
1: one
on: yes
nested:
  on: 2
  key: value
`,
];

const TOKENS = [
  '3',
  '07',
  '0x1F',
  '1_000',
  '-1',
  '1.5e3',
  '.inf',
  'yes',
  'on',
  'null',
  '~',
  'true',
  'word',
  'a/b+c',
  '2001-12-14',
  '"q"',
  "'s'",
  'a: b',
  'x #c',
  '[1]',
  '{}',
  '',
  '&a x',
  '*base',
  '|',
  '-',
  '- x',
];

/** Every key's path with its line and column, as the source maps read them. */
function keyPositions(parsed: ParsedYaml | undefined): string[] {
  if (parsed === undefined) return [];
  const out: string[] = [];
  const at = (offset: number): string => {
    const p = parsed.lineCounter.linePos(offset);
    return `${p.line}:${p.col}`;
  };
  const walk = (n: unknown, path: string): void => {
    if (isMap(n))
      for (const pair of n.items) {
        const k = pair.key;
        const key = isScalar(k) ? String(k.value) : String(k);
        const r = (k as { range?: number[] } | null)?.range;
        out.push(`${path}.${key}@${r ? at(r[0] as number) : '-'}`);
        walk(pair.value, `${path}.${key}`);
      }
    else if (isSeq(n))
      n.items.forEach((item, i) => {
        const r = (item as { range?: number[] } | null)?.range;
        out.push(`${path}[${i}]@${r ? at(r[0] as number) : '-'}`);
        walk(item, `${path}[${i}]`);
      });
  };
  walk(parsed.doc.contents, '');
  return out;
}

/** The text with the value part of line `line` (after `key: `, or the whole line) replaced. */
function edited(text: string, line: number, token: string): string {
  const lines = text.split('\n');
  const i = line % lines.length;
  const l = lines[i] as string;
  const colon = l.indexOf(': ');
  lines[i] = colon >= 0 ? `${l.slice(0, colon + 2)}${token}${l.endsWith('\r') ? '\r' : ''}` : token;
  return lines.join('\n');
}

void test('a patched read equals reading the edited text, or there is none', () => {
  let patched = 0;
  fc.assert(
    fc.property(
      fc.nat({ max: TEXTS.length - 1 }),
      fc.nat({ max: 40 }),
      fc.constantFrom(...TOKENS),
      (t, line, token) => {
        const before = TEXTS[t] as string;
        const after = edited(before, line, token);
        const read = readValues(before);
        const p = patchValues(before, read, after);
        if (p === undefined) return;
        patched += 1;
        const full = readValues(after);
        assert.equal(full.error, undefined);
        assert.deepEqual(p.values, full.values);
        assert.deepEqual(keyPositions(p.parsed), keyPositions(full.parsed));
      },
    ),
    { numRuns: 600, seed: 16 },
  );
  assert.ok(patched > 50, `${patched} edits patched`);
});

void test('a one-line scalar edit is patched; edits it cannot vouch for are read in full', () => {
  const text = TEXTS[0] as string;
  const read = readValues(text);
  const one = patchValues(text, read, text.replace('level: 3', 'level: 4'));
  assert.ok(one);
  assert.equal(
    ((one.values.get('nested') as Map<string, unknown>).get('deeper') as Map<string, unknown>).get('level'),
    4,
  );
  // The earlier tables are not changed, and those off the path are shared.
  assert.equal(
    ((read.values.get('nested') as Map<string, unknown>).get('deeper') as Map<string, unknown>).get('level'),
    3,
  );
  assert.equal(one.values.get('image'), read.values.get('image'));
  const shared = TEXTS[1] as string;
  assert.equal(
    patchValues(shared, readValues(shared), shared.replace('replicas: 1', 'replicas: 5')),
    undefined,
  );
  const block = TEXTS[2] as string;
  assert.equal(patchValues(block, readValues(block), block.replace('replicas: 3', 'replicas: 5')), undefined);
  assert.equal(patchValues(block, readValues(block), block.replace('dup: 1', 'dup: 5')), undefined);
  assert.equal(patchValues(text, read, `${text}extra: 1\n`), undefined);
});
