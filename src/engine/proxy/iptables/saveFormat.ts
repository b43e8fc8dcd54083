// One rule as libxtables saves it back (`iptables-save`): base options first
// (-s, -d, -i, -o, -p), then each match with its options in save order, then the target.
import type { IPFamily } from '../../net/ip';
import { formatCIDR, parseIPv4CIDR } from '../../net/ip';
import { normalizeFor, normalizeIPv4, parseCIDRFor } from '../addresses';
import { tokenize } from './tokenize';

interface Option {
  negated: boolean;
  name: string;
  values: string[];
}

interface ParsedRule {
  chain: string;
  base: Map<string, { negated: boolean; value: string }>;
  matches: { module: string; options: Option[] }[];
  target: { name: string; options: Option[] } | null;
}

const baseOptions: Record<string, string> = {
  '-s': '-s',
  '--source': '-s',
  '--src': '-s',
  '-d': '-d',
  '--destination': '-d',
  '--dst': '-d',
  '-i': '-i',
  '--in-interface': '-i',
  '-o': '-o',
  '--out-interface': '-o',
  '-p': '-p',
  '--protocol': '-p',
};

function parseRule(rule: string): ParsedRule {
  const tokens = tokenize(rule).tokens;
  // A quoted word is a value even when it starts with '-'.
  const words = tokens.map((t) => t.text);
  const isOption = (i: number): boolean => tokens[i]?.quoted !== true && (words[i] ?? '').startsWith('-');
  const parsed: ParsedRule = { chain: words[1] ?? '', base: new Map(), matches: [], target: null };
  let options: Option[] | null = null;
  let negated = false;
  for (let i = 2; i < words.length; i++) {
    const w = words[i] ?? '';
    if (w === '!') {
      negated = true;
      continue;
    }
    const base = baseOptions[w];
    if (base !== undefined) {
      parsed.base.set(base, { negated, value: words[++i] ?? '' });
    } else if (w === '-m' || w === '--match') {
      const module = words[++i] ?? '';
      const match = { module, options: [] as Option[] };
      parsed.matches.push(match);
      options = match.options;
    } else if (w === '-j' || w === '--jump') {
      parsed.target = { name: words[++i] ?? '', options: [] };
      options = parsed.target.options;
    } else if (isOption(i) && options !== null) {
      const option: Option = { negated, name: w, values: [] };
      while (i + 1 < words.length && !isOption(i + 1) && !(words[i + 1] === '!' && !tokens[i + 1]?.quoted)) {
        option.values.push(words[++i] ?? '');
      }
      options.push(option);
    }
    negated = false;
  }
  return parsed;
}

/** xtables_save_string: bare when only [A-Za-z0-9_-], else double-quoted with \ escapes. */
export function saveString(value: string): string {
  if (/^[A-Za-z0-9_-]+$/.test(value)) return value;
  return `"${value.replace(/["\\']/g, (c) => `\\${c}`)}"`;
}

export function saveAddress(value: string): string {
  if (value.includes(':')) {
    // ip6tables: an address saves as addr/128, a CIDR as its network, both RFC 5952-compressed.
    if (value.includes('/')) {
      const net = parseCIDRFor('IPv6', value);
      return net ? formatCIDR(net) : value;
    }
    const ip = normalizeFor('IPv6', value);
    return ip === null ? value : `${ip}/128`;
  }
  if (value.includes('/')) {
    const net = parseIPv4CIDR(value);
    return net ? formatCIDR(net) : value;
  }
  const ip = normalizeIPv4(value);
  return ip === null ? value : `${ip}/32`;
}

function hex(value: number): string {
  return `0x${(value >>> 0).toString(16)}`;
}

function parseNumber(text: string): number {
  return Number(text.toLowerCase().startsWith('0x') ? parseInt(text, 16) : text);
}

/** The statistic match stores lround(2^31·p) and saves it back with %.11f. */
export function saveProbability(text: string): string {
  const stored = BigInt(Math.round(0x80000000 * Number(text)));
  const scaled = stored * 100000000000n;
  const denominator = 0x80000000n;
  let q = scaled / denominator;
  const twiceRemainder = (scaled % denominator) * 2n;
  if (twiceRemainder > denominator || (twiceRemainder === denominator && q % 2n === 1n)) q += 1n;
  const digits = q.toString().padStart(12, '0');
  return `${digits.slice(0, -11)}.${digits.slice(-11)}`;
}

const ctStateOrder = ['INVALID', 'NEW', 'RELATED', 'ESTABLISHED', 'UNTRACKED', 'SNAT', 'DNAT'];

function renderOption(o: Option, values = o.values): string {
  return `${o.negated ? ' !' : ''} ${o.name}${values.map((v) => ` ${v}`).join('')}`;
}

function ordered(options: Option[], order: string[]): Option[] {
  const rank = (o: Option) => {
    const i = order.indexOf(o.name);
    return i === -1 ? order.length : i;
  };
  return [...options].sort((a, b) => rank(a) - rank(b));
}

/** libxt_recent's default --mask: the whole address of the table's family. */
const fullMask: Record<IPFamily, string> = {
  IPv4: '255.255.255.255',
  IPv6: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
};

function saveMatch(module: string, options: Option[], family: IPFamily): string {
  let text = ` -m ${module}`;
  switch (module) {
    case 'comment':
      for (const o of options) text += ` --comment ${saveString(o.values[0] ?? '')}`;
      return text;
    case 'tcp':
    case 'udp':
    case 'sctp':
      for (const o of ordered(options, ['--sport', '--dport'])) text += renderOption(o);
      return text;
    case 'addrtype':
      for (const o of ordered(options, ['--src-type', '--dst-type'])) text += renderOption(o);
      return text;
    case 'conntrack':
      for (const o of options) {
        if (o.name === '--ctstate') {
          const states = (o.values[0] ?? '').split(',');
          const sorted = ctStateOrder.filter((s) => states.includes(s));
          text += renderOption(o, [sorted.join(',')]);
        } else text += renderOption(o);
      }
      return text;
    case 'mark':
      for (const o of options) {
        const [v = '0', m] = (o.values[0] ?? '').split('/');
        const mask = m === undefined ? 0xffffffff : parseNumber(m);
        const value = hex(parseNumber(v)) + (mask === 0xffffffff ? '' : `/${hex(mask)}`);
        text += renderOption(o, [value]);
      }
      return text;
    case 'statistic':
      for (const o of ordered(options, ['--mode', '--every', '--packet', '--probability'])) {
        text +=
          o.name === '--probability'
            ? renderOption(o, [saveProbability(o.values[0] ?? '0')])
            : renderOption(o);
      }
      return text;
    case 'recent': {
      const has = (name: string) => options.some((o) => o.name === name);
      const value = (name: string) => options.find((o) => o.name === name)?.values[0];
      if (options.some((o) => o.negated)) text += ' !';
      for (const flag of ['--set', '--rcheck', '--update', '--remove']) if (has(flag)) text += ` ${flag}`;
      if (value('--seconds') !== undefined) text += ` --seconds ${value('--seconds')}`;
      if (has('--reap')) text += ' --reap';
      if (value('--hitcount') !== undefined) text += ` --hitcount ${value('--hitcount')}`;
      if (has('--rttl')) text += ' --rttl';
      text += ` --name ${value('--name') ?? 'DEFAULT'}`;
      text += ` --mask ${value('--mask') ?? fullMask[family]}`;
      text += has('--rdest') ? ' --rdest' : ' --rsource';
      return text;
    }
    case 'nfacct':
      // libxt_NFACCT prints its own space before xtables_save_string adds one.
      for (const o of options) text += ` ${o.name}  ${saveString(o.values[0] ?? '')}`;
      return text;
    default:
      for (const o of options) text += renderOption(o);
      return text;
  }
}

function saveTarget(name: string, options: Option[], family: IPFamily): string {
  const value = (n: string) => options.find((o) => o.name === n)?.values[0];
  switch (name) {
    case 'MARK': {
      const or = value('--or-mark');
      const xor = value('--xor-mark');
      const set = value('--set-mark');
      const and = value('--and-mark');
      if (or !== undefined) return ` -j MARK --set-xmark ${hex(parseNumber(or))}/${hex(parseNumber(or))}`;
      if (xor !== undefined) return ` -j MARK --set-xmark ${hex(parseNumber(xor))}/0x0`;
      if (set !== undefined) return ` -j MARK --set-xmark ${hex(parseNumber(set))}/0xffffffff`;
      if (and !== undefined) return ` -j MARK --set-xmark 0x0/${hex(~parseNumber(and))}`;
      break;
    }
    case 'REJECT':
      if (options.length === 0)
        return family === 'IPv6'
          ? ' -j REJECT --reject-with icmp6-port-unreachable'
          : ' -j REJECT --reject-with icmp-port-unreachable';
      break;
  }
  return ` -j ${name}${options.map((o) => renderOption(o)).join('')}`;
}

/** One restore-input rule as iptables-save (ip6tables-save for `IPv6`) prints it back. */
export function saveRule(rule: string, family: IPFamily = 'IPv4'): string {
  const r = parseRule(rule);
  let text = `-A ${r.chain}`;
  for (const key of ['-s', '-d', '-i', '-o', '-p']) {
    const b = r.base.get(key);
    if (!b) continue;
    const value = key === '-s' || key === '-d' ? saveAddress(b.value) : b.value;
    text += `${b.negated ? ' !' : ''} ${key} ${value}`;
  }
  for (const m of r.matches) text += saveMatch(m.module, m.options, family);
  if (r.target) text += saveTarget(r.target.name, r.target.options, family);
  return text;
}
