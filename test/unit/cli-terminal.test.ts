// Terminal safety: user-controlled text reaches the terminal escaped (issue 18 item 4).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { run } from '../../src/cli/main';
import { formatTable } from '../../src/cli/table';
import { terminalSafe, truncateCell } from '../../src/cli/terminal';

// ESC [2J clears the screen, ESC ]… sets the title, CSI 0x9b is the one-byte ESC [, U+202E reverses text.
const HOSTILE = 'web\u001b[2J\u001b]0;owned\u0007\u009b31m\u202eevil\r';

async function runCli(argv: string[], cwd: string): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await run(argv, { stdout: (t) => (out += t), stderr: (t) => (out += t), cwd });
  return { code, out };
}

function unsafeIn(text: string): string[] {
  // eslint-disable-next-line no-control-regex -- looking for control characters
  return [...text.matchAll(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g)].map((m) =>
    m[0].charCodeAt(0).toString(16),
  );
}

void test('terminalSafe escapes C0, C1 and bidi controls as \\uXXXX, and keeps tab, newline and other text', () => {
  assert.equal(terminalSafe('a\tb\nc'), 'a\tb\nc');
  assert.equal(terminalSafe('é✓ 名前'), 'é✓ 名前');
  assert.equal(terminalSafe(HOSTILE), 'web\\u001b[2J\\u001b]0;owned\\u0007\\u009b31m\\u202eevil\\u000d');
  assert.deepEqual(unsafeIn(terminalSafe(HOSTILE)), []);
});

void test('--json stays valid JSON and decodes to the original values', () => {
  const json = terminalSafe(JSON.stringify({ name: HOSTILE }));
  assert.deepEqual(unsafeIn(json), []);
  assert.equal((JSON.parse(json) as { name: string }).name, HOSTILE);
});

void test('tables cut long cells with an ellipsis (the last column is free)', () => {
  const long = 'x'.repeat(100);
  assert.equal(truncateCell(long).length, 60);
  assert.ok(truncateCell(long).endsWith('…'));
  const table = formatTable(['NAME', 'IP'], [[long, '10.0.0.1']]);
  assert.equal(table.split('\n')[1], `${'x'.repeat(59)}…  10.0.0.1`);
});

void test('CLI: a hostile label value, file name and trace target are printed escaped', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubepath-term-'));
  try {
    // A JSON string is a YAML double-quoted scalar: the label value holds the raw controls.
    writeFileSync(
      join(dir, 'evil\u001b[31m.yaml'),
      `apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {selector: {app: ${JSON.stringify(HOSTILE)}}, ports: [{port: 80}]}\n`,
    );
    const analyzed = await runCli(['analyze', '.'], dir);
    assert.match(analyzed.out, /evil\\u001b\[31m\.yaml/);
    assert.deepEqual(unsafeIn(analyzed.out), []);
    const traced = await runCli(['trace', `web\u001b[2J:80`, '.'], dir);
    assert.notEqual(traced.code, 0);
    assert.match(traced.out, /web\\u001b\[2J/);
    assert.deepEqual(unsafeIn(traced.out), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
