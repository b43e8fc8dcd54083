// Upstream's packet tracer for nftables mode (pkg/proxy/nftables/helpers_test.go tracePacket),
// ported as a test helper: it is how the fixtures' packetFlows were produced, so it is what
// checks that the generated table sends each packet where upstream's does. Like upstream it
// has no general nft parser: it recognises, piece by piece, the exact rule shapes the proxier
// writes. It follows every branch of a `numgen` map and collects every DNAT target.
// (The engine's own nftables interpreter for `kubepath trace` is a separate piece of work.)
import type { NftElement, NftTable } from '../../src/engine/proxy/nftables';
import { cidrContains, parseCIDR, parseIP } from '../../src/engine/net/ip';

export interface TraceResult {
  /** DNAT targets joined by ", ", or DROP / REJECT, or '' when nothing matched. */
  output: string;
  masq: boolean;
  /** Rules that matched, for failure messages. */
  matches: string[];
}

const destAddr = /^ip6* daddr (!= )?(\S+)/;
const destAddrLookup = /^ip6* daddr (!= )?\{([^}]*)\}/;
const destAddrLocal = /^fib daddr type local/;
const destPort = /^(tcp|udp|sctp) dport (\d+)/;
const destIPOnlyLookup = /^ip6* daddr @(\S+)/;
const destLookup = /^ip6* daddr \. meta l4proto \. th dport @(\S+)/;
const destPortLookup = /^meta l4proto \. th dport @(\S+)/;
const destDispatch = /^ip6* daddr \. meta l4proto \. th dport vmap @(\S+)$/;
const destPortDispatch = /^meta l4proto \. th dport vmap @(\S+)$/;
const sourceAddr = /^ip6* saddr (!= )?(\S+)/;
const sourceAddrLookup = /^ip6* saddr (!= )?\{([^}]*)\}/;
const sourceAddrLocal = /^fib saddr type local/;
const endpointVmap = /^numgen random mod \d+ vmap \{(.*)\}$/;
const endpointVmapEntry = /\d+ : goto (\S+)/g;
const masquerade = /^jump mark-for-masquerade$/;
const jump = /^(jump|goto) (\S+)$/;
const returnVerdict = /^return$/;
const verdict = /^(drop|reject)$/;
const dnat = /^meta l4proto (tcp|udp|sctp) dnat to (\S+)$/;
// The affinity update records the source; a trace of one new connection has no affinity yet.
const affinityUpdate = /^update @\S+ \{ ip6* saddr \}/;
// Comments end a rule; the traces are of new connections, so `ct state new` always holds.
const ignored = / *comment "[^"]*"$|^ct state new/g;

function addressMatches(ipText: string, wantMatch: boolean, ruleAddress: string): boolean {
  const ip = parseIP(ipText, { maxOctetDigits: Infinity });
  if (ip === null) throw new Error(`bad IP in test case: ${ipText}`);
  let match: boolean;
  if (ruleAddress.includes('/')) {
    const cidr = parseCIDR(ruleAddress, { maxOctetDigits: Infinity });
    if (cidr === null) throw new Error(`bad CIDR in kube-proxy output: ${ruleAddress}`);
    match = cidrContains(cidr, ip);
  } else {
    const other = parseIP(ruleAddress, { maxOctetDigits: Infinity });
    if (other === null) throw new Error(`bad IP/CIDR in kube-proxy output: ${ruleAddress}`);
    match = other.family === ip.family && other.value === ip.value;
  }
  return match === wantMatch;
}

/** Upstream's addressMatchesSet: every element must give the wanted answer. */
function addressMatchesSet(ipText: string, wantMatch: boolean, body: string): boolean {
  for (const address of body.replaceAll(' ', '').split(',')) {
    if (addressMatches(ipText, true, address) !== wantMatch) return false;
  }
  return true;
}

class Tracer {
  readonly matches: string[] = [];
  readonly outputs: string[] = [];
  masq = false;

  constructor(
    private readonly table: NftTable,
    private readonly nodeIPs: ReadonlySet<string>,
  ) {}

  private elements(name: string): NftElement[] {
    const set = this.table.sets.get(name);
    if (!set) throw new Error(`unknown set ${name}`);
    return [...set.elements.values()];
  }

  /** Runs the packet through one chain; true when it reached a terminal verdict. */
  runChain(name: string, sourceIP: string, protocol: string, destIP: string, destPortText: string): boolean {
    const chain = this.table.chains.get(name);
    if (!chain) throw new Error(`unknown chain ${name}`);
    for (const ruleText of chain.rules) {
      let rule = ruleText.replace(ignored, '');
      while (rule !== '') {
        rule = rule.trimStart();
        let m: RegExpExecArray | null;
        if ((m = destIPOnlyLookup.exec(rule))) {
          rule = rule.slice(m[0].length);
          if (!this.elements(m[1] ?? '').some((e) => e.key[0] === destIP)) rule = '';
        } else if ((m = destLookup.exec(rule))) {
          rule = rule.slice(m[0].length);
          if (!this.elements(m[1] ?? '').some((e) => this.isDest(e, destIP, protocol, destPortText)))
            rule = '';
        } else if ((m = destPortLookup.exec(rule))) {
          rule = rule.slice(m[0].length);
          if (!this.elements(m[1] ?? '').some((e) => e.key[0] === protocol && e.key[1] === destPortText))
            rule = '';
        } else if ((m = destDispatch.exec(rule))) {
          const e = this.elements(m[1] ?? '').find((x) => this.isDest(x, destIP, protocol, destPortText));
          rule = e ? (e.value?.[0] ?? '') : '';
        } else if ((m = destPortDispatch.exec(rule))) {
          const e = this.elements(m[1] ?? '').find((x) => x.key[0] === protocol && x.key[1] === destPortText);
          rule = e ? (e.value?.[0] ?? '') : '';
        } else if ((m = destAddrLookup.exec(rule))) {
          rule = rule.slice(m[0].length);
          if (!addressMatchesSet(destIP, m[1] !== '!= ', m[2] ?? '')) rule = '';
        } else if ((m = destAddr.exec(rule))) {
          rule = rule.slice(m[0].length);
          if (!addressMatches(destIP, m[1] !== '!= ', m[2] ?? '')) rule = '';
        } else if ((m = destAddrLocal.exec(rule))) {
          rule = rule.slice(m[0].length);
          if (!this.nodeIPs.has(destIP)) rule = '';
        } else if ((m = destPort.exec(rule))) {
          rule = rule.slice(m[0].length);
          if (protocol !== m[1] || destPortText !== m[2]) rule = '';
        } else if ((m = sourceAddrLookup.exec(rule))) {
          rule = rule.slice(m[0].length);
          if (!addressMatchesSet(sourceIP, m[1] !== '!= ', m[2] ?? '')) rule = '';
        } else if ((m = sourceAddr.exec(rule))) {
          rule = rule.slice(m[0].length);
          const address = m[2] ?? '';
          // `ip saddr @affinity-…`: a dynamic set, empty for a new client.
          const hit = address.startsWith('@')
            ? this.elements(address.slice(1)).some((e) => e.key[0] === sourceIP) === (m[1] !== '!= ')
            : addressMatches(sourceIP, m[1] !== '!= ', address);
          if (!hit) rule = '';
        } else if ((m = sourceAddrLocal.exec(rule))) {
          rule = rule.slice(m[0].length);
          if (!this.nodeIPs.has(sourceIP)) rule = '';
        } else if ((m = affinityUpdate.exec(rule))) {
          rule = rule.slice(m[0].length);
        } else if (masquerade.test(rule)) {
          // The jump itself stands for setting the mark (the masquerading chain is not traced).
          this.matches.push(ruleText);
          this.masq = true;
          rule = '';
        } else if ((m = jump.exec(rule))) {
          rule = '';
          this.matches.push(ruleText);
          if (this.runChain(m[2] ?? '', sourceIP, protocol, destIP, destPortText)) return true;
          if (m[1] === 'goto') return false;
        } else if ((m = verdict.exec(rule))) {
          this.matches.push(ruleText);
          this.outputs.push((m[1] ?? '').toUpperCase());
          return true;
        } else if (returnVerdict.test(rule)) {
          this.matches.push(ruleText);
          return false;
        } else if ((m = dnat.exec(rule))) {
          this.matches.push(ruleText);
          this.outputs.push(m[2] ?? '');
          return true;
        } else if ((m = endpointVmap.exec(rule))) {
          // A random pick: every endpoint is followed, so all reachable DNAT targets are collected.
          for (const entry of (m[1] ?? '').matchAll(endpointVmapEntry)) {
            this.matches.push(ruleText);
            this.runChain(entry[1] ?? '', sourceIP, protocol, destIP, destPortText);
          }
          return true;
        } else {
          throw new Error(`unmatched rule: ${ruleText}`);
        }
      }
    }
    return false;
  }

  private isDest(e: NftElement, destIP: string, protocol: string, port: string): boolean {
    return e.key[0] === destIP && e.key[1] === protocol && e.key[2] === port;
  }
}

/** `host:port` or `[host]:port` → host. */
function hostOf(endpoint: string): string {
  if (endpoint.startsWith('[')) return endpoint.slice(1, endpoint.indexOf(']'));
  return endpoint.slice(0, endpoint.lastIndexOf(':'));
}

/**
 * What happens to a new connection: the pre-DNAT filter hook, then nat prerouting (where the
 * DNAT happens), then with the DNATted destination the forward and input filter hooks.
 */
export function tracePacket(
  table: NftTable,
  nodeIPs: readonly string[],
  sourceIP: string,
  protocolName: string,
  destIP: string,
  destPort: number,
): TraceResult {
  const protocol = protocolName === '' ? 'tcp' : protocolName.toLowerCase();
  const port = String(destPort);
  const tracer = new Tracer(table, new Set(nodeIPs));
  const result = (): TraceResult => ({
    output: tracer.outputs.join(', '),
    masq: tracer.masq,
    matches: tracer.matches,
  });
  if (tracer.runChain('filter-prerouting-pre-dnat', sourceIP, protocol, destIP, port)) return result();
  tracer.runChain('nat-prerouting', sourceIP, protocol, destIP, port);
  let dest = destIP;
  const first = tracer.outputs[0];
  if (first !== undefined) dest = hostOf(first);
  if (tracer.runChain('filter-forward', sourceIP, protocol, dest, port)) return result();
  tracer.runChain('filter-input', sourceIP, protocol, dest, port);
  return result();
}
