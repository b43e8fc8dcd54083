// Sprig v3's template functions (Masterminds/sprig 989da45d) for the Go text/template engine,
// as Helm registers them: Helm removes env and expandenv and adds its own (toYaml, include,
// tpl, required, lookup…; see ../helm). Every function keeps Go's signature (argument checks
// and messages come from the executor) and Sprig's semantics; one file per family.
//
// Functions whose result the real cluster decides at run time are deterministic here:
//   - random ones (randAlphaNum, uuidv4, shuffle, genCA…) draw from a PRNG seeded by
//     `options.seed`, the function's name and how many times it was called before;
//   - clock ones (now, date of a non-time value, ago…) read the fixed `options.nowMs`.
// A caller that must label such output `predicted` uses `sprigContext`, whose `usedRandom`
// and `usedClock` sets collect the names of those functions a render actually called:
//
//   const sprig = sprigContext({ seed: 'release-name/mychart', nowMs });
//   const set = new TemplateSet({ funcs: sprig.funcs, missingKey: 'zero' });
//   … execute …
//   if (sprig.usedRandom.size > 0) markPredicted(sprig.usedRandom);
//   sprig.reseed('release-name/mychart/templates/b.yaml'); // optional: a stream per file
//
// Maps are Go maps: `set`, `unset`, `merge` and `mergeOverwrite` change the map they are
// given in place (as in Helm, where `set .Values …` changes the values).
import type { GoFunc } from '../gotemplate';
import { dateFunctions } from './dates';
import { defaultFunctions } from './defaults';
import { dictFunctions } from './dicts';
import { encodingFunctions } from './encoding';
import { listFunctions } from './lists';
import { mathFunctions } from './math';
import { passwordFunctions } from './password';
import { pathFunctions } from './paths';
import type { Random } from './random';
import { randomFunctions, seededRandom } from './random';
import { regexFunctions } from './regex';
import { semverFunctions } from './semver';
import { stringFunctions } from './strings';

export { RANDOM_FUNCTIONS } from './random';

export interface SprigOptions {
  /** Seed for the functions that are random by nature (randAlphaNum, uuidv4, genCA…). */
  readonly seed?: string;
  /** The fixed clock `now`, `date` and `ago` read, in milliseconds since the epoch (default 0). */
  readonly nowMs?: number;
}

/** A Sprig function map with the record of which run-time-decided functions it served. */
export interface SprigContext {
  readonly funcs: Map<string, GoFunc>;
  /** Names of random-by-nature functions called since creation (or the last reseed). */
  readonly usedRandom: ReadonlySet<string>;
  /** Names of functions called that read the clock. */
  readonly usedClock: ReadonlySet<string>;
  /** Restarts every random stream from a new seed and clears both records. */
  reseed(seed: string): void;
}

/** Sprig's function map (Helm's variant: no env, no expandenv). */
export function sprigFunctions(options: SprigOptions = {}): Map<string, GoFunc> {
  return sprigContext(options).funcs;
}

/** Sprig's function map with the record of random and clock use (see the file comment). */
export function sprigContext(options: SprigOptions = {}): SprigContext {
  const usedRandom = new Set<string>();
  const usedClock = new Set<string>();
  let seed = options.seed ?? '';
  const calls = new Map<string, number>();
  const stream = (name: string): Random => {
    usedRandom.add(name);
    const n = calls.get(name) ?? 0;
    calls.set(name, n + 1);
    return seededRandom(`${seed}\u0000${name}\u0000${n}`);
  };
  const funcs = new Map<string, GoFunc>([
    ...stringFunctions(),
    ...listFunctions(),
    ...dictFunctions(),
    ...mathFunctions(),
    ...defaultFunctions(),
    ...regexFunctions(),
    ...semverFunctions(),
    ...encodingFunctions(),
    ...pathFunctions(),
    ...dateFunctions(options.nowMs ?? 0, (name) => usedClock.add(name)),
    ...randomFunctions(stream),
    ...passwordFunctions(),
  ]);
  return {
    funcs,
    usedRandom,
    usedClock,
    reseed(next: string): void {
      seed = next;
      calls.clear();
      usedRandom.clear();
      usedClock.clear();
    },
  };
}
