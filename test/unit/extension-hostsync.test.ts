// The host's half of the worker protocol in slices: a summary's diagnostics in JSON pieces,
// applied in order a piece at a time (a later full summary stops an older one), and the
// publisher's queue. Clocks and pauses are the tests' own, so slices are counted exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Diagnostic } from '../../src/engine/model';
import { SlicedQueue, applyDiagnostics } from '../../src/extension/hostSync';
import type { HeldDiagnostics, SliceOptions } from '../../src/extension/hostSync';
import { diagnosticPieces, parseDiagnosticPiece } from '../../src/extension/service/protocol';
import type { FolderSummary } from '../../src/extension/service/protocol';

function diagnostic(file: string, line: number, message: string): Diagnostic {
  return {
    range: { file, line, column: 1, endLine: line, endColumn: 9 },
    severity: 'warning',
    code: 'service-selector-no-match',
    message,
  };
}

/** A summary's diagnostics as the worker's `summarize` sends them. */
function update(
  full: boolean,
  files: [string, Diagnostic[]][],
  maxChars?: number,
): FolderSummary['diagnostics'] {
  return {
    full,
    pieces: diagnosticPieces(
      files.map(([file, list]) => [file, JSON.stringify(list)] as const),
      maxChars,
    ),
  };
}

function manyFiles(count: number, tag: string): [string, Diagnostic[]][] {
  return Array.from({ length: count }, (_, i) => [
    `deploy/app-${String(i).padStart(4, '0')}.yaml`,
    [diagnostic(`deploy/app-${i}.yaml`, i + 1, `${tag} ${i}`)],
  ]);
}

/** Each `now()` advances 1 ms; each pause is counted (and is a real turn of the event loop). */
function countingSlices(sliceMs: number): SliceOptions & { pauses: () => number } {
  let clock = 0;
  let pauses = 0;
  return {
    sliceMs,
    now: () => clock++,
    pause: async () => {
      pauses++;
      await new Promise((resolve) => setTimeout(resolve, 0));
    },
    pauses: () => pauses,
  };
}

const emptyHeld = (): HeldDiagnostics => ({ diagnostics: new Map(), changedDiagnostics: 'all' });

void test('diagnosticPieces: pieces of about maxChars, files never split, in order, parsed back whole', () => {
  const files = manyFiles(300, 'selector');
  const pieces = diagnosticPieces(
    files.map(([f, list]) => [f, JSON.stringify(list)] as const),
    4096,
  );
  assert.ok(pieces.length > 5, `${pieces.length} pieces`);
  for (const piece of pieces) assert.ok(piece.length <= 4096, `piece of ${piece.length} chars`);
  assert.deepEqual(
    pieces.flatMap((p) => parseDiagnosticPiece(p)),
    files,
  );
  // One file larger than a piece travels alone, whole.
  const big: [string, Diagnostic[]][] = [
    ['a.yaml', [diagnostic('a.yaml', 1, 'x'.repeat(10_000))]],
    ['b.yaml', []],
  ];
  const two = diagnosticPieces(
    big.map(([f, list]) => [f, JSON.stringify(list)] as const),
    4096,
  );
  assert.equal(two.length, 2);
  assert.deepEqual(
    two.flatMap((p) => parseDiagnosticPiece(p)),
    big,
  );
  assert.deepEqual(diagnosticPieces([]), []);
});

void test('applyDiagnostics: a summary in many pieces is applied whole, in slices with the event loop free between', async () => {
  const held = emptyHeld();
  const files = manyFiles(2000, 'first');
  const slices = countingSlices(4);
  const first = update(true, files, 2048);
  assert.ok(first.pieces.length > 50);
  let timerRan = false;
  setTimeout(() => {
    timerRan = true;
  }, 0);
  await applyDiagnostics(held, first, slices);
  assert.ok(timerRan, 'a timer ran while the summary was applied');
  // One clock read (1 ms) per piece, a pause after each 4 ms: about every third piece.
  assert.ok(slices.pauses() >= first.pieces.length / 4, `${slices.pauses()} pauses`);
  assert.deepEqual([...held.diagnostics], files);
  assert.equal(held.changedDiagnostics, 'all');

  // A difference: one file changed, one cleared; only those are marked to publish.
  held.changedDiagnostics = [];
  const changed = diagnostic('deploy/app-0001.yaml', 9, 'changed');
  await applyDiagnostics(
    held,
    update(false, [
      ['deploy/app-0001.yaml', [changed]],
      ['deploy/app-0002.yaml', []],
    ]),
    slices,
  );
  assert.deepEqual(held.diagnostics.get('deploy/app-0001.yaml'), [changed]);
  assert.equal(held.diagnostics.has('deploy/app-0002.yaml'), false);
  assert.equal(held.diagnostics.size, 1999);
  assert.deepEqual(held.changedDiagnostics, ['deploy/app-0001.yaml', 'deploy/app-0002.yaml']);
});

void test('applyDiagnostics: summaries apply in the order they came, even when the next arrives mid-way', async () => {
  const held = emptyHeld();
  const slices = countingSlices(2);
  const files = manyFiles(500, 'old');
  // The second summary is a difference on top of the first: it must land after all of it.
  const later = diagnostic('deploy/app-0499.yaml', 1, 'new');
  const first = applyDiagnostics(held, update(true, files, 1024), slices);
  const second = applyDiagnostics(
    held,
    update(false, [
      ['deploy/app-0499.yaml', [later]],
      ['deploy/app-0000.yaml', []],
    ]),
    slices,
  );
  await Promise.all([first, second]);
  assert.deepEqual(held.diagnostics.get('deploy/app-0499.yaml'), [later]);
  assert.equal(held.diagnostics.has('deploy/app-0000.yaml'), false);
  assert.equal(held.diagnostics.size, 499);
});

void test('applyDiagnostics: a later full summary cancels the rest of a superseded one', async () => {
  const held = emptyHeld();
  const slices = countingSlices(2);
  const stale = manyFiles(1000, 'stale');
  const fresh: [string, Diagnostic[]][] = [['other.yaml', [diagnostic('other.yaml', 3, 'fresh')]]];
  const superseded = update(false, stale, 1024);
  const first = applyDiagnostics(held, superseded, slices);
  // Let the first begin, then a full summary (a reloaded folder) arrives.
  await new Promise((resolve) => setTimeout(resolve, 0));
  const partly = held.diagnostics.size;
  assert.ok(partly > 0 && partly < stale.length, `${partly} applied before the full summary`);
  const second = applyDiagnostics(held, update(true, fresh), slices);
  await Promise.all([first, second]);
  assert.deepEqual([...held.diagnostics], fresh);
  assert.equal(held.changedDiagnostics, 'all');
  // What the superseded one applied after the full summary was queued: at most one slice more.
  const parsed = superseded.pieces.length;
  assert.ok(slices.pauses() < parsed, `${slices.pauses()} pauses for ${parsed} pieces: it stopped early`);
});

void test('applyDiagnostics: a bad piece rejects that summary, and the next still applies', async () => {
  const held = emptyHeld();
  const broken = applyDiagnostics(held, { full: true, pieces: ['[["a.yaml", ['] });
  await assert.rejects(broken);
  const next = [['b.yaml', [diagnostic('b.yaml', 1, 'ok')]]] satisfies [string, Diagnostic[]][];
  await applyDiagnostics(held, update(true, next));
  assert.deepEqual([...held.diagnostics], next);
});

void test('SlicedQueue: every item once, in order, latest additions included, in slices', async () => {
  const slices = countingSlices(3);
  const seen: number[] = [];
  const queue = new SlicedQueue<number>((n) => {
    seen.push(n);
    // Added while draining: a new item runs later; one already queued is not repeated.
    if (n === 2) void queue.add([100, 5]);
  }, slices);
  const items = Array.from({ length: 50 }, (_, i) => i);
  const done = queue.add(items);
  // Added again before its turn: runs once.
  const same = queue.add([7, 8, 200]);
  assert.equal(done, same);
  await done;
  assert.deepEqual(seen, [...items, 200, 100]);
  assert.ok(slices.pauses() >= 10, `${slices.pauses()} pauses`);
  assert.equal(queue.size, 0);
  // A queue drained starts again on the next add.
  await queue.add([1]);
  assert.deepEqual(seen.slice(-1), [1]);
});

void test('SlicedQueue: an item that throws rejects the drain; the rest run on the next add', async () => {
  const seen: string[] = [];
  const queue = new SlicedQueue<string>((item) => {
    if (item === 'bad') throw new Error('no collection');
    seen.push(item);
  });
  await assert.rejects(queue.add(['a', 'bad', 'b']), /no collection/);
  assert.deepEqual(seen, ['a']);
  await queue.add(['c']);
  assert.deepEqual(seen, ['a', 'b', 'c']);
  // clear(): what is queued is dropped.
  const later = new SlicedQueue<string>((item) => seen.push(item));
  const run = later.add(['x', 'y']);
  later.clear();
  await run;
  assert.deepEqual(seen, ['a', 'b', 'c']);
});
