// Conformance suites with a known-gaps.json ({ caseId: reason }): a case listed there is
// skipped with its reason and fails once it passes, and the list may name only real cases.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

export interface KnownGaps {
  /** Runs `body` as a subtest; a known gap is skipped with its reason, and fails once it passes. */
  readonly conformance: (id: string, body: () => void) => void;
  /** A subtest that fails when the list names a case no `conformance` call ran. */
  readonly checkListed: (suite: string) => void;
}

export function knownGaps(file: string): KnownGaps {
  const gaps = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
  const seen = new Set<string>();
  return {
    conformance: (id, body) => {
      const gap = gaps[id];
      if (gap === undefined) {
        void it(id, body);
        return;
      }
      seen.add(id);
      void it(id, (t) => {
        let passed = true;
        try {
          body();
        } catch {
          passed = false;
        }
        assert.equal(passed, false, `${id} is listed in known-gaps.json but passes now: remove it`);
        t.skip(gap);
      });
    },
    checkListed: (suite) => {
      void describe(`${suite}: known-gaps.json`, () => {
        void it('lists only cases that exist', () => {
          assert.deepEqual(
            Object.keys(gaps).filter((id) => !seen.has(id)),
            [],
          );
        });
      });
    },
  };
}
