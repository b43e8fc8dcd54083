// Collects upstream's packet-flow tables (proxier_test.go runPacketFlowTests) from the
// conformance fixtures and maps a PacketTrace back to upstream's expectation format
// (SPEC-NOTES a.17). Shared by the tracer's tests and anyone who wants to run the
// same flows over generated rules.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { PacketTrace, Protocol, TraceEntry } from '../../src/engine/model';

export const CONFORMANCE_DIR = path.join(__dirname, '../../../test/fixtures/conformance/iptables');

export interface PacketFlow {
  name: string;
  sourceIP: string;
  destIP: string;
  destPort: number;
  protocol: Protocol;
  output: string;
  masq: boolean;
}

export interface FlowGroup {
  /** `File > subtest` label. */
  label: string;
  /** The rules the flows run over, or null when the fixture has none. */
  dump: string | null;
  flows: PacketFlow[];
  /** testNodeIPs of the fake proxier. */
  nodeIPs: string[];
  /** The JSON object that holds the flows (for callers that generate their own rules). */
  holder: Record<string, unknown>;
  /** The whole fixture. */
  caseData: Record<string, unknown>;
  caseFile: string;
  /** Which key of `holder` the flows came from (`afterSliceDeletedPacketFlows`: the slices are gone). */
  flowKey: 'packetFlows' | 'afterSliceDeletedPacketFlows' | 'variant';
}

type Json = Record<string, unknown>;

function asFlows(v: unknown): PacketFlow[] {
  return Array.isArray(v) ? (v as PacketFlow[]) : [];
}

function dumpOf(o: Json): string | null {
  const d = o.expectedIptablesSave ?? o.inputRules;
  return typeof d === 'string' ? d : null;
}

/** Every packet-flow table in one fixture, including subtests, phases, variants and steps. */
export function flowGroupsOf(caseFile: string, data: Json): FlowGroup[] {
  const base = caseFile.replace(/\.json$/, '');
  const fake = (data.fakeProxier ?? {}) as Json;
  const nodeIPs = Array.isArray(fake.nodeIPs) ? (fake.nodeIPs as string[]) : [];
  const groups: FlowGroup[] = [];
  const topFlows = asFlows(data.packetFlows);
  if (topFlows.length > 0) {
    groups.push({
      label: base,
      dump: dumpOf(data),
      flows: topFlows,
      nodeIPs,
      holder: data,
      caseData: data,
      caseFile,
      flowKey: 'packetFlows',
    });
  }
  for (const key of ['subtests', 'phases', 'steps'] as const) {
    const list = data[key];
    if (!Array.isArray(list)) continue;
    (list as Json[]).forEach((item, i) => {
      const name =
        typeof item.name === 'string' ? item.name : typeof item.action === 'string' ? item.action : `#${i}`;
      for (const flowKey of ['packetFlows', 'afterSliceDeletedPacketFlows'] as const) {
        const flows = asFlows(item[flowKey]);
        if (flows.length === 0) continue;
        groups.push({
          label: `${base} > ${key}[${i}] ${name}${flowKey === 'packetFlows' ? '' : ' (after slice deleted)'}`,
          // Sub-cases have their own rules; the top-level dump belongs to the top-level scenario.
          dump: dumpOf(item),
          flows,
          nodeIPs,
          holder: item,
          caseData: data,
          caseFile,
          flowKey,
        });
      }
    });
  }
  const variants = data.variants;
  if (Array.isArray(variants)) {
    (variants as Json[]).forEach((variant, i) => {
      const overrides = (variant.overrides ?? {}) as Record<string, Partial<PacketFlow>>;
      const flows = topFlows.map((f) => ({ ...f, ...(overrides[f.name] ?? {}) }));
      if (flows.length === 0) return;
      groups.push({
        label: `${base} > variants[${i}] ${String(variant.name)}`,
        dump: dumpOf(variant),
        flows,
        nodeIPs,
        holder: variant,
        caseData: data,
        caseFile,
        flowKey: 'variant',
      });
    });
  }
  return groups;
}

export function loadFlowGroups(): FlowGroup[] {
  return readdirSync(CONFORMANCE_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .flatMap((f) => flowGroupsOf(f, JSON.parse(readFileSync(path.join(CONFORMANCE_DIR, f), 'utf8')) as Json));
}

/** LOCAL addresses of upstream's tracer: 127.0.0.1, ::1 and the fake node's IPs. */
export function upstreamLocal(nodeIPs: string[]): string[] {
  return ['127.0.0.1', '::1', ...nodeIPs];
}

/** DESIGN.md `--from ip:ADDR`: OUTPUT path if the source is local to the node, else PREROUTING. */
export function entryFor(sourceIP: string, nodeIPs: string[]): TraceEntry {
  return upstreamLocal(nodeIPs).includes(sourceIP) ? 'output' : 'prerouting';
}

/** Upstream's output string: DNAT targets (`ip:port`, IPv6 bracketed) or ACCEPT/DROP/REJECT, joined by `, `. */
export function upstreamOutput(trace: PacketTrace): string {
  const outputs: string[] = [];
  for (const b of trace.branches) {
    let out = '';
    if (b.outcome === 'rejected') out = 'REJECT';
    else if (b.outcome === 'dropped') out = 'DROP';
    else if (b.ip !== null) out = `${b.ip.includes(':') ? `[${b.ip}]` : b.ip}:${String(b.port)}`;
    else if (b.verdict === 'ACCEPT') out = 'ACCEPT';
    if (out !== '' && !outputs.includes(out)) outputs.push(out);
  }
  return outputs.join(', ');
}
