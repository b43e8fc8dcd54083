// kube-scheduler score plugins against upstream's score table cases
// (test/fixtures/scheduler-score, transcribed from pkg/scheduler/framework/plugins/*_test.go):
// each case runs its one plugin as upstream's test does (PreScore, Score per node,
// NormalizeScore) and compares every node's score. Cases listed in known-gaps.json are run
// as well: skipped with their reason, and a failure once they pass. Then the framework's
// own steps: the weighted sum over the default plugins and the deterministic selectHost.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import type { NodeTaint } from '../../src/engine/model';
import { readLabelSelector } from '../../src/engine/reconcile/labels';
import type { LabelSelector } from '../../src/engine/reconcile/labels';
import {
  preferredSchedulingTerms,
  readSchedPod,
  schedNode,
} from '../../src/engine/reconcile/scheduler/readPod';
import type { NodeScore, ScoreContext } from '../../src/engine/reconcile/scheduler/score';
import {
  defaultNormalizeScore,
  runScorePlugin,
  SCORE_PLUGINS,
  selectHost,
  SKIP,
} from '../../src/engine/reconcile/scheduler/score';
import type { NodeInfo, ResourceSpec, SchedulerArgs } from '../../src/engine/reconcile/scheduler/types';
import { DEFAULT_ARGS } from '../../src/engine/reconcile/scheduler/types';
import { knownGaps } from './knownGaps';

function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

const dir = join(repoRoot(), 'test', 'fixtures', 'scheduler-score');

interface FixtureNode {
  name: string;
  labels?: Record<string, string>;
  taints?: NodeTaint[];
  allocatable?: Record<string, string | number>;
  existingPods?: unknown[];
}

interface Case {
  id: string;
  plugin: string;
  name: string;
  pod: unknown;
  nodes: FixtureNode[];
  /** The nodes that passed filtering (PreScore's and Score's nodes); default all. */
  feasible?: string[];
  expected: Record<string, number>;
  expectedPreScore?: 'Skip';
  pluginArgs?: { addedAffinity?: unknown; resources?: ResourceSpec[] };
  featureGates?: Record<string, boolean>;
  /** helper.DefaultSelector's inputs: Services' selectors and the pod's controller's selector. */
  services?: { namespace?: string; selector: Record<string, string> }[];
  ownerSelector?: unknown;
}

const { conformance, checkListed } = knownGaps(join(dir, 'known-gaps.json'));

function nodeInfos(nodes: FixtureNode[]): NodeInfo[] {
  return nodes.map((n) => ({
    node: schedNode({
      name: n.name,
      labels: n.labels ?? {},
      taints: (n.taints ?? []).map((t) => ({ key: t.key, value: t.value ?? '', effect: t.effect })),
      allocatable: n.allocatable
        ? Object.fromEntries(Object.entries(n.allocatable).map(([k, v]) => [k, String(v)]))
        : undefined,
      unschedulable: false,
    }),
    pods: (n.existingPods ?? []).map((p) => readSchedPod(p, 'default')),
  }));
}

function argsOf(c: Case): SchedulerArgs {
  const added = c.pluginArgs?.addedAffinity;
  const preferred =
    added && typeof added === 'object'
      ? (added as Record<string, unknown>)['preferredDuringSchedulingIgnoredDuringExecution']
      : undefined;
  const resources = c.pluginArgs?.resources;
  return {
    ...DEFAULT_ARGS,
    featureGates: c.featureGates ?? {},
    addedPreferredAffinity: preferredSchedulingTerms(preferred),
    ...(resources ? { scoringResources: resources, balancedResources: resources } : {}),
  };
}

/** helper.DefaultSelector as the case states its inputs (the engine builds it from the workspace). */
function contextOf(c: Case, namespace: string, labels: Record<string, string>): ScoreContext {
  const matchLabels: Record<string, string> = {};
  for (const s of c.services ?? []) {
    const entries = Object.entries(s.selector);
    if ((s.namespace ?? 'default') !== namespace || entries.length === 0) continue;
    if (entries.every(([k, v]) => labels[k] === v)) Object.assign(matchLabels, s.selector);
  }
  const owner = readLabelSelector(c.ownerSelector);
  const selector: LabelSelector = {
    matchLabels,
    matchExpressions: [
      ...Object.entries(owner?.matchLabels ?? {}).map(([key, value]) => ({
        key,
        operator: 'In' as const,
        values: [value],
      })),
      ...(owner?.matchExpressions ?? []),
    ],
  };
  const empty = Object.keys(matchLabels).length === 0 && selector.matchExpressions.length === 0;
  return { defaultSpreadSelector: () => (empty ? null : selector), podsWithAffinity: true };
}

function runCase(c: Case): void {
  const plugin = SCORE_PLUGINS.find((p) => p.name === c.plugin);
  assert.ok(plugin, `no score plugin ${c.plugin}`);
  const pod = readSchedPod(c.pod, 'default');
  const all = nodeInfos(c.nodes);
  const feasible = c.feasible ? all.filter((n) => c.feasible?.includes(n.node.name)) : all;
  const args = argsOf(c);
  const ctx = contextOf(c, pod.namespace, pod.labels);
  if (c.expectedPreScore === 'Skip') assert.equal(plugin.preScore(pod, feasible, all, ctx, args), SKIP);
  const scores = runScorePlugin(plugin, pod, feasible, all, ctx, args);
  const actual = Object.fromEntries(feasible.map((n, i) => [n.node.name, scores[i]]));
  assert.deepEqual(actual, c.expected);
}

const caseFiles = readdirSync(dir)
  .filter((f) => f.endsWith('.json') && f !== 'known-gaps.json')
  .sort();

for (const file of caseFiles) {
  const { cases, meta } = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
    cases: Case[];
    meta: { source: { repo: string; path: string } };
  };
  void describe(`scheduler score conformance: ${file}`, () => {
    void it('names its upstream source', () => {
      assert.equal(meta.source.repo, 'kubernetes/kubernetes');
      assert.match(meta.source.path, /^pkg\/scheduler\/framework\/plugins\/.+_test\.go$/);
      assert.ok(cases.length > 0);
    });
    for (const c of cases) conformance(c.id, () => runCase(c));
  });
}

checkListed('scheduler score conformance');

void describe('scheduler framework scoring', () => {
  void it('DefaultNormalizeScore scales to the best node with Go integer division, reversed or not', () => {
    const scores = [1, 2, 3];
    defaultNormalizeScore(100, false, scores);
    assert.deepEqual(scores, [33, 66, 100]);
    const reversed = [1, 2, 3];
    defaultNormalizeScore(100, true, reversed);
    assert.deepEqual(reversed, [67, 34, 0]);
    const zero = [0, 0];
    defaultNormalizeScore(100, true, zero);
    assert.deepEqual(zero, [100, 100]);
  });

  void it('selectHost takes the top total, and among equal totals the first from the start index', () => {
    const infos = nodeInfos([{ name: 'a' }, { name: 'b' }, { name: 'c' }]);
    const scores: NodeScore[] = infos.map((nodeInfo, i) => ({
      nodeInfo,
      total: [300, 500, 500][i] as number,
    }));
    const pick = (start: number): string => selectHost(scores, start)?.nodeInfo.node.name ?? '';
    assert.deepEqual([0, 1, 2].map(pick), ['b', 'b', 'c']);
    const clear: NodeScore[] = infos.map((nodeInfo, i) => ({
      nodeInfo,
      total: [900, 500, 500][i] as number,
    }));
    assert.equal(selectHost(clear, 2)?.nodeInfo.node.name, 'a');
  });
});
