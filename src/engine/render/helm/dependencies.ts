// chartutil.ProcessDependenciesWithMerge (pkg/chartutil/dependencies.go), as `helm template`
// runs it before rendering: aliases, tags and conditions enable or drop subcharts, then each
// chart imports its subcharts' exported values (import-values, child/parent and `exports.`).
import { formatV } from '../gotemplate';
import type { Value } from '../gotemplate';
import type { Chart, Dependency } from './chart';
import { setDependencies } from './chart';
import { isCompatibleRange } from './semver';
import type { MutableValues, Warn } from './values';
import { coalesceTables, coalesceValues, deepCopy, isTable, mergeTables, pathValue, table } from './values';

/** What coalesceValues needs, read from the chart as it is now. */
function coalesceView(c: Chart): {
  name: string;
  values: MutableValues;
  dependencies: ReturnType<typeof coalesceView>[];
} {
  return { name: c.metadata.name, values: c.values, dependencies: c.dependencies.map(coalesceView) };
}

function processDependencyConditions(
  reqs: Dependency[] | null,
  cvals: MutableValues,
  cpath: string,
  warn: Warn,
): void {
  if (reqs === null) return;
  for (const r of reqs) {
    for (const c of r.condition.trim().split(',')) {
      if (c.length === 0) continue;
      const pv = pathValue(cvals, cpath + c);
      if (!pv.found) continue;
      if (typeof pv.value === 'boolean') {
        r.enabled = pv.value;
        break;
      }
      warn(`Warning: Condition path '${c}' for chart ${r.name} returned non-bool value`);
    }
  }
}

function processDependencyTags(reqs: Dependency[] | null, cvals: MutableValues, warn: Warn): void {
  if (reqs === null) return;
  let vt: ReadonlyMap<string, Value>;
  try {
    vt = table(cvals, 'tags');
  } catch {
    return;
  }
  for (const r of reqs) {
    let hasTrue = false;
    let hasFalse = false;
    for (const k of r.tags) {
      if (!vt.has(k)) continue;
      const b = vt.get(k);
      if (typeof b === 'boolean') {
        if (b) hasTrue = true;
        else hasFalse = true;
      } else warn(`Warning: Tag '${k}' for chart ${r.name} returned non-bool value`);
    }
    if (!hasTrue && hasFalse) r.enabled = false;
    else if (hasTrue || (!hasTrue && !hasFalse)) r.enabled = true;
  }
}

function getAliasDependency(charts: readonly Chart[], dep: Dependency): Chart | undefined {
  for (const c of charts) {
    if (c.metadata.name !== dep.name) continue;
    if (!isCompatibleRange(dep.version, c.metadata.version)) continue;
    // A shallow copy with its own metadata, as Go copies the struct.
    const out: Chart = { ...c, metadata: { ...c.metadata } };
    if (dep.alias !== '') out.metadata.name = dep.alias;
    return out;
  }
  return undefined;
}

function processDependencyEnabled(c: Chart, v: MutableValues, path: string, warn: Warn): void {
  const reqs = c.metadata.dependencies;
  if (reqs === null) return;
  const chartDependencies: Chart[] = [];
  for (const existing of c.dependencies) {
    const listed = reqs.some(
      (req) =>
        existing.metadata.name === req.name && isCompatibleRange(req.version, existing.metadata.version),
    );
    if (!listed) chartDependencies.push(existing);
  }
  for (const req of reqs) {
    const dep = getAliasDependency(c.dependencies, req);
    if (dep !== undefined) chartDependencies.push(dep);
    if (req.alias !== '') req.name = req.alias;
  }
  setDependencies(c, chartDependencies);
  for (const r of reqs) r.enabled = true;
  const cvals = coalesceValues(coalesceView(c), v, false, warn);
  processDependencyTags(reqs, cvals, warn);
  processDependencyConditions(reqs, cvals, path, warn);
  const rm = new Set(reqs.filter((r) => !r.enabled).map((r) => r.name));
  const cd = c.dependencies.filter((n) => !rm.has(n.metadata.name));
  const cdMetadata = reqs.filter((n) => !rm.has(n.name));
  for (const t of cd) processDependencyEnabled(t, cvals, `${path}${t.metadata.name}.`, warn);
  c.metadata.dependencies = cdMetadata;
  setDependencies(c, cd);
}

function pathToMap(path: string, data: MutableValues): MutableValues {
  if (path === '.') return data;
  let cur: MutableValues = data;
  const parts = path.split('.');
  for (let i = parts.length - 1; i >= 0; i--) cur = new Map([[parts[i] ?? '', cur]]);
  return cur;
}

function trimNilValues(vals: MutableValues): MutableValues {
  const copy = deepCopy(vals) as MutableValues;
  const trim = (m: MutableValues): MutableValues => {
    for (const [k, x] of m) {
      if (x === null || x === undefined) m.delete(k);
      else if (isTable(x)) m.set(k, trim(x as MutableValues));
    }
    return m;
  };
  return trim(copy);
}

function processImportValues(c: Chart, merge: boolean, warn: Warn): void {
  const reqs = c.metadata.dependencies;
  if (reqs === null) return;
  let cvals = coalesceValues(coalesceView(c), undefined, merge, warn);
  let b: MutableValues = new Map();
  const combine = (src: MutableValues): void => {
    b = merge ? mergeTables(b, src, warn) : coalesceTables(b, src, warn);
  };
  for (const r of reqs) {
    const outiv: Value[] = [];
    for (const riv of r.importValues) {
      if (isTable(riv)) {
        const child = formatV(riv.get('child'));
        const parent = formatV(riv.get('parent'));
        outiv.push(
          new Map<string, Value>([
            ['child', child],
            ['parent', parent],
          ]),
        );
        let vv: ReadonlyMap<string, Value>;
        try {
          vv = table(cvals, `${r.name}.${child}`);
        } catch (e) {
          warn(
            `Warning: ImportValues missing table from chart ${r.name}: ${e instanceof Error ? e.message : ''}`,
          );
          continue;
        }
        combine(pathToMap(parent, deepCopy(vv) as MutableValues));
      } else if (typeof riv === 'string') {
        const child = `exports.${riv}`;
        outiv.push(
          new Map<string, Value>([
            ['child', child],
            ['parent', '.'],
          ]),
        );
        let vm: ReadonlyMap<string, Value>;
        try {
          vm = table(cvals, `${r.name}.${child}`);
        } catch (e) {
          warn(`Warning: ImportValues missing table: ${e instanceof Error ? e.message : ''}`);
          continue;
        }
        combine(deepCopy(vm) as MutableValues);
      }
    }
    r.importValues = outiv;
  }
  if (merge) {
    cvals = deepCopy(cvals) as MutableValues;
    c.values = mergeTables(cvals, b, warn);
  } else {
    cvals = trimNilValues(cvals);
    c.values = coalesceTables(cvals, b, warn);
  }
}

function processDependencyImportValues(c: Chart, merge: boolean, warn: Warn): void {
  for (const d of c.dependencies) processDependencyImportValues(d, merge, warn);
  processImportValues(c, merge, warn);
}

/** ProcessDependenciesWithMerge (merge=true, as install and template) or ProcessDependencies. */
export function processDependencies(c: Chart, vals: MutableValues, merge: boolean, warn: Warn): void {
  processDependencyEnabled(c, vals, '', warn);
  processDependencyImportValues(c, merge, warn);
}
