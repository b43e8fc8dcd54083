// One question, one answer: the side panel's request path and `kubepath trace --json` agree,
// node by node and branch by branch, for every Service port and entry point of every
// example and of the upstream proxier fixtures written as manifests.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { run } from '../../src/cli/main';
import { analyzeWorkspace } from '../../src/engine';
import type { Analysis, WorkspaceFile } from '../../src/engine';
import type { EntryKind } from '../../src/engine/model';
import { buildSnapshot } from '../../src/extension/panelSnapshot';
import { profileYaml, serviceManifest, sliceManifest } from './fixtureManifests';
import type { FakeProxier, FixtureService, FixtureSlice } from './proxyFixtures';
import { loadFlowGroups } from './traceConformance';

const repo = join(__dirname, '../../..');

interface Workspace {
  name: string;
  dir: string;
  files: WorkspaceFile[];
  profile: WorkspaceFile | null;
}

function readWorkspace(name: string, dir: string): Workspace {
  const files: WorkspaceFile[] = [];
  let profile: WorkspaceFile | null = null;
  for (const f of readdirSync(dir).sort()) {
    if (!/\.(ya?ml|json)$/.test(f)) continue;
    const file = { path: f, text: readFileSync(join(dir, f), 'utf8') };
    if (f === 'profile.yaml' || f === 'kubepath.cluster.yaml') profile = file;
    else files.push(file);
  }
  return { name, dir, files, profile };
}

const scratch = mkdtempSync(join(tmpdir(), 'kubepath-one-answer-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function fixtureWorkspaces(): Workspace[] {
  const out: Workspace[] = [];
  const seen = new Set<string>();
  for (const group of loadFlowGroups()) {
    if (group.holder.ipFamily === 'IPv6') continue;
    const services = (group.holder.services ?? group.caseData.services) as FixtureService[] | undefined;
    const slices = (group.holder.endpointSlices ?? group.caseData.endpointSlices) as
      FixtureSlice[] | undefined;
    if (!Array.isArray(services) || services.length === 0) continue;
    const docs = [...services.map(serviceManifest), ...(slices ?? []).map(sliceManifest)]
      .map((d) => JSON.stringify(d))
      .join('\n---\n');
    if (seen.has(docs)) continue;
    seen.add(docs);
    const dir = join(scratch, String(out.length));
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'manifests.yaml'), docs + '\n');
    writeFileSync(join(dir, 'profile.yaml'), profileYaml(group.caseData.fakeProxier as FakeProxier));
    out.push(readWorkspace(`upstream ${group.label}`, dir));
  }
  return out;
}

interface BranchJson {
  ip: string | null;
  port: number | null;
  node: string | null;
  outcome: string;
  masquerade: boolean;
  probability: number;
  hops: { kind: string; node?: string }[];
}

/** A branch as both front ends must show it. */
function branchKey(b: {
  ip: string | null;
  port: number | null;
  outcome: string;
  masquerade: boolean;
}): string {
  return `${b.ip}:${b.port} ${b.outcome}${b.masquerade ? ' masq' : ''}`;
}

async function cliTrace(w: Workspace, args: string[]): Promise<{ branches: BranchJson[] } | string> {
  let stdout = '';
  let stderr = '';
  const code = await run(
    ['trace', ...args, '.', ...(w.profile ? ['--cluster', w.profile.path] : []), '--json'],
    { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd: w.dir },
  );
  if (code === 2) return stderr;
  return JSON.parse(stdout) as { branches: BranchJson[] };
}

/** The CLI's branches per node, for the request the panel draws. */
async function cliNodes(
  w: Workspace,
  analysis: Analysis,
  service: Analysis['services'][number],
  portIndex: number,
  entry: EntryKind,
): Promise<Map<string, string[]> | string> {
  const port = service.service.ports[portIndex];
  assert.ok(port);
  const protocol = ['--protocol', port.protocol];
  const byNode = new Map<string, string[]>();
  const addAll = (node: string, branches: BranchJson[]): void => {
    const list = byNode.get(node) ?? [];
    for (const b of branches) list.push(`${branchKey(b)} ${b.probability.toFixed(6)}`);
    byNode.set(node, list);
  };
  if (entry === 'internet') {
    const ingress = service.loadBalancer?.ingress[0];
    const host = ingress?.ip ?? ingress?.hostname ?? service.dns;
    const trace = await cliTrace(w, [`${host}:${port.port}`, '--from', 'internet', ...protocol]);
    if (typeof trace === 'string') return trace;
    // The LB spreads over its nodes: each node's branches, renormalised to that node.
    const perNode = new Map<string, BranchJson[]>();
    for (const b of trace.branches) {
      const node = b.hops.find((h) => h.kind === 'node')?.node ?? '';
      perNode.set(node, [...(perNode.get(node) ?? []), b]);
    }
    for (const [node, branches] of perNode) {
      const total = branches.reduce((s, b) => s + b.probability, 0) || 1;
      addAll(
        node,
        branches.map((b) => ({ ...b, probability: b.probability / total })),
      );
    }
    return byNode;
  }
  for (const node of analysis.profile.nodes) {
    const args =
      entry === 'nodePort'
        ? [`${node.ips[0]}:${port.nodePort}`, '--from', 'internet']
        : [`${service.dns}:${port.port}`, '--node', node.name];
    const trace = await cliTrace(w, [...args, ...protocol]);
    if (typeof trace === 'string') return trace;
    addAll(node.name, trace.branches);
  }
  return byNode;
}

const workspaces: Workspace[] = [
  ...readdirSync(join(repo, 'examples'))
    .sort()
    .map((e) => readWorkspace(`examples/${e}`, join(repo, 'examples', e))),
  ...fixtureWorkspaces(),
];

void describe('panel and CLI give one answer', () => {
  let compared = 0;
  after(() => assert.ok(compared >= 40, `only ${compared} requests compared`));
  for (const w of workspaces) {
    void test(w.name, async () => {
      const analysis = analyzeWorkspace({ files: w.files, profile: w.profile });
      for (const service of analysis.services) {
        for (const [portIndex, port] of service.service.ports.entries()) {
          const snapshotFor = (entry: EntryKind) =>
            buildSnapshot({
              folders: [{ folder: '', state: analysis }],
              selection: {
                serviceId: `|${service.service.metadata.namespace}/${service.service.metadata.name}`,
                portKey: `${port.protocol}/${port.port}`,
                entry,
                node: null,
              },
              status: '',
            });
          for (const option of snapshotFor('clusterIP').entries) {
            if (!option.available) continue;
            const snapshot = snapshotFor(option.entry);
            const label = `${service.service.metadata.namespace}/${service.service.metadata.name} ${port.protocol}/${port.port} ${option.entry}`;
            // The panel names a Service by namespace/name: of two with one name (a fixture
            // quirk), it draws the first.
            const { namespace, name } = service.service.metadata;
            const first = analysis.services.find(
              (s) => s.service.metadata.namespace === namespace && s.service.metadata.name === name,
            );
            if (first !== service) continue;
            const path = snapshot.path;
            assert.ok(path, `${label}: the panel draws a path`);
            const cli = await cliNodes(w, analysis, service, portIndex, option.entry);
            if (typeof cli === 'string') {
              assert.ok(
                path.nodes.length === 0 && path.notes.some((n) => cli.includes(n)),
                `${label}: the CLI refuses (${cli.trim()}) and the panel says so: ${path.notes.join(' | ')}`,
              );
              continue;
            }
            const panel = new Map(
              path.nodes.map((n) => [
                n.node,
                n.branches.map((b) => `${branchKey(b)} ${b.probability.toFixed(6)}`),
              ]),
            );
            for (const [node, branches] of cli) if (branches.length === 0) cli.delete(node);
            assert.deepEqual(panel, cli, label);
            compared++;
          }
        }
      }
    });
  }
});
