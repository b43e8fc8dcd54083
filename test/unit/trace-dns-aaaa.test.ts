// DNS in a trace answers per query type as CoreDNS's kubernetes plugin does: A with a
// name's IPv4 addresses, AAAA with its IPv6 ones (cluster IPs; a headless Service's and its
// hostname records' endpoint addresses; IPv6 pod names), in the text and in --json.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { run } from '../../src/cli/main';
import { describeAnswers, followedAnswers, podRecordAddress } from '../../src/engine/trace/dns';

const dir = 'examples/dual-stack';
const dualStack = `${dir}/kubepath.cluster.yaml`;

async function cli(argv: string[]): Promise<{ code: number; stdout: string }> {
  let stdout = '';
  const code = await run(argv, { stdout: (t) => (stdout += t), stderr: () => undefined, cwd: process.cwd() });
  return { code, stdout };
}

interface TraceJson {
  proxyMode: string;
  packet: { destinationIP: string } | null;
  hops: { kind: string; name: string; detail: string }[];
  branches: { ip: string | null; outcome: string }[];
}
interface AnalyzeJson {
  services: { name: string; clusterIP: string; clusterIPs: string[]; endpoints: { ip: string }[] }[];
  workloads: { name: string; pods: { name: string; ip: string; ips?: string[] }[] }[];
}

/** The `note:` lines of the text output (--json carries no notes). */
async function notesOf(args: string[]): Promise<string[]> {
  const { stdout } = await cli(['trace', ...args]);
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('note: '))
    .map((l) => l.slice(6));
}
async function trace(args: string[]): Promise<TraceJson> {
  const { stdout } = await cli(['trace', ...args, '--json']);
  return JSON.parse(stdout) as TraceJson;
}
async function analyze(paths: string[], cluster: string): Promise<AnalyzeJson> {
  return JSON.parse((await cli(['analyze', ...paths, '--cluster', cluster, '--json'])).stdout) as AnalyzeJson;
}
const dnsHop = (t: TraceJson) => t.hops.find((h) => h.kind === 'dns');

void describe('trace DNS answers A and AAAA', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'kubepath-aaaa-'));
  after(() => rmSync(tmp, { recursive: true, force: true }));
  writeFileSync(
    join(tmp, 'db.yaml'),
    `apiVersion: v1
kind: Service
metadata: { name: db }
spec:
  clusterIP: None
  ipFamilyPolicy: PreferDualStack
  selector: { app: db }
  ports: [{ name: postgres, port: 5432 }]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: { name: db }
spec:
  serviceName: db
  replicas: 2
  selector: { matchLabels: { app: db } }
  template:
    metadata: { labels: { app: db } }
    spec:
      containers: [{ name: postgres, image: postgres:17, ports: [{ containerPort: 5432 }] }]
`,
  );

  void it('a dual-stack Service answers A and AAAA with its cluster IPs; the trace follows the primary', async () => {
    const web = (await analyze([dir], dualStack)).services.find((s) => s.name === 'web');
    assert.ok(web && web.clusterIPs.length === 2);
    const [v4 = '', v6 = ''] = web.clusterIPs;
    const t = await trace(['web:80', dir, '--cluster', dualStack, '--from', 'pod:default/deployment/web']);
    assert.equal(dnsHop(t)?.detail, `A ${v4}; AAAA ${v6} (Service default/web)`);
    assert.equal(t.packet?.destinationIP, web.clusterIP);
    assert.ok(t.branches.every((b) => b.outcome === 'reached' && !(b.ip ?? '').includes(':')));
    const notes = await notesOf([
      'web:80',
      dir,
      '--cluster',
      dualStack,
      '--from',
      'pod:default/deployment/web',
    ]);
    assert.ok(notes.some((n) => n.includes(`also answers AAAA ${v6}`) && n.includes(`'[${v6}]:80'`)));
    const text = (await cli(['trace', 'web:80', dir, '--cluster', dualStack])).stdout;
    assert.match(text, new RegExp(`AAAA ${v6.replace(/[.:]/g, '\\$&')}`));
  });

  void it('an IPv6-only Service answers AAAA alone and is traced over IPv6, in both modes', async () => {
    const v6only = (await analyze([dir], dualStack)).services.find((s) => s.name === 'web-v6');
    assert.ok(v6only);
    for (const [cluster, mode] of [
      [dualStack, 'iptables'],
      ['test/kernel/profiles/dual-stack-nftables.cluster.yaml', 'nftables'],
    ] as const) {
      const t = await trace(['web-v6:8080', dir, '--cluster', cluster, '--from', 'node:node-1']);
      assert.equal(t.proxyMode, mode);
      assert.equal(dnsHop(t)?.detail, `AAAA ${v6only.clusterIP} (Service default/web-v6)`);
      assert.equal(t.packet?.destinationIP, v6only.clusterIP);
      assert.equal(t.branches.length, 2, mode);
      assert.ok(
        t.branches.every((b) => b.outcome === 'reached' && (b.ip ?? '').includes(':')),
        mode,
      );
    }
  });

  void it('a single-stack IPv4 Service answers A only, as before', async () => {
    const nginx = (await analyze(['examples/nginx'], dualStack)).services.find((s) => s.name === 'nginx');
    assert.ok(nginx);
    const t = await trace(['nginx:8080', 'examples/nginx', '--cluster', dualStack, '--from', 'node:node-1']);
    assert.equal(dnsHop(t)?.detail, `A ${nginx.clusterIP} (Service default/nginx)`);
    const notes = await notesOf([
      'nginx:8080',
      'examples/nginx',
      '--cluster',
      dualStack,
      '--from',
      'node:node-1',
    ]);
    assert.ok(!notes.some((n) => n.includes('also answers')));
  });

  void it('a dual-stack headless Service answers the endpoint addresses of each family', async () => {
    const db = (await analyze([tmp], dualStack)).services.find((s) => s.name === 'db');
    assert.ok(db);
    const v4 = db.endpoints.map((e) => e.ip).filter((ip) => !ip.includes(':'));
    const v6 = db.endpoints.map((e) => e.ip).filter((ip) => ip.includes(':'));
    assert.equal(v4.length, 2);
    assert.equal(v6.length, 2);
    const t = await trace(['db:5432', tmp, '--cluster', dualStack]);
    assert.ok(
      dnsHop(t)?.detail.startsWith(`A ${[...v4].sort().join(', ')}; AAAA ${[...v6].sort().join(', ')} `),
    );
    assert.deepEqual(t.branches.map((b) => b.ip).sort(), [...v4].sort());
    const notes = await notesOf(['db:5432', tmp, '--cluster', dualStack]);
    assert.ok(notes.some((n) => n.includes(`also answers AAAA ${[...v6].sort().join(', ')}`)));
    // The hostname record of db-0: its address of each family.
    const pod = (await analyze([tmp], dualStack)).workloads[0]?.pods.find((p) => p.name === 'db-0');
    assert.ok(pod?.ips?.length === 2);
    const h = await trace(['db-0.db:5432', tmp, '--cluster', dualStack]);
    assert.equal(dnsHop(h)?.detail.split(' (')[0], describeAnswers(pod.ips));
  });

  void it('IPv6 pod names answer AAAA for a pod whose primary address is IPv6 (CoreDNS pods verified)', async () => {
    const v6first = join(tmp, 'v6-first.cluster.yaml');
    writeFileSync(
      v6first,
      'apiVersion: kubepath.dev/v1alpha1\nkind: ClusterProfile\nserviceCIDR: fd00:10:96::/112,10.96.0.0/16\npodCIDR: fd00:10:244::/56,10.244.0.0/16\n',
    );
    const pod = (await analyze([dir], v6first)).workloads[0]?.pods[0];
    assert.ok(pod !== undefined && pod.ip.includes(':'));
    const label = pod.ip.replace(/:/g, '-');
    const t = await trace([`${label}.default.pod.cluster.local:80`, dir, '--cluster', v6first]);
    assert.equal(dnsHop(t)?.detail.split(' (')[0], `AAAA ${pod.ip}`);
    assert.equal(t.packet?.destinationIP, pod.ip);
    assert.ok(t.branches.length > 0 && t.branches.every((b) => b.outcome === 'reached'));
    // On the IPv4-primary cluster the same pod's IPv6 name is no record: verified mode
    // compares status.podIP only.
    const primary4 = (await analyze([dir], dualStack)).workloads[0]?.pods[0];
    const v6 = primary4?.ips?.find((ip) => ip.includes(':')) ?? '';
    const { code } = await cli([
      'trace',
      `${v6.replace(/:/g, '-')}.default.pod.cluster.local:80`,
      dir,
      '--cluster',
      dualStack,
    ]);
    assert.equal(code, 1);
  });

  void it('reads pod record labels and splits answers as CoreDNS does', () => {
    assert.equal(podRecordAddress('10-244-1-5'), '10.244.1.5');
    assert.equal(podRecordAddress('fd00-10-244-1--5'), 'fd00:10:244:1::5');
    assert.equal(podRecordAddress('web-0'), null);
    assert.equal(describeAnswers(['10.0.0.1', 'fd00::1', '10.0.0.2']), 'A 10.0.0.1, 10.0.0.2; AAAA fd00::1');
    assert.deepEqual(followedAnswers(['fd00::1', '10.0.0.1'], 'IPv4'), {
      followed: ['10.0.0.1'],
      others: ['fd00::1'],
    });
    assert.deepEqual(followedAnswers(['fd00::1'], 'IPv4'), { followed: ['fd00::1'], others: [] });
  });
});
