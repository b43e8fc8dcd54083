// Turns the words of one rule into typed matches and a target. Anything not
// modelled becomes an explicit `unsupported` match so the tracer can say so.
import type { RuleMatch, RuleTarget } from './dump';
import type { Token } from '../proxy/iptables/tokenize';

interface OptionSpec {
  arity: number;
}

/** Options of the match modules kube-proxy (and common node dumps) use; arity = number of values. */
const MODULE_OPTIONS: Record<string, Record<string, OptionSpec>> = {
  tcp: {
    '--dport': { arity: 1 },
    '--destination-port': { arity: 1 },
    '--sport': { arity: 1 },
    '--source-port': { arity: 1 },
    '--tcp-flags': { arity: 2 },
    '--syn': { arity: 0 },
    '--tcp-option': { arity: 1 },
  },
  udp: {
    '--dport': { arity: 1 },
    '--destination-port': { arity: 1 },
    '--sport': { arity: 1 },
    '--source-port': { arity: 1 },
  },
  sctp: {
    '--dport': { arity: 1 },
    '--destination-port': { arity: 1 },
    '--sport': { arity: 1 },
    '--source-port': { arity: 1 },
  },
  comment: { '--comment': { arity: 1 } },
  addrtype: {
    '--src-type': { arity: 1 },
    '--dst-type': { arity: 1 },
    '--limit-iface-in': { arity: 0 },
    '--limit-iface-out': { arity: 0 },
  },
  statistic: {
    '--mode': { arity: 1 },
    '--probability': { arity: 1 },
    '--every': { arity: 1 },
    '--packet': { arity: 1 },
  },
  recent: {
    '--name': { arity: 1 },
    '--set': { arity: 0 },
    '--rcheck': { arity: 0 },
    '--update': { arity: 0 },
    '--remove': { arity: 0 },
    '--seconds': { arity: 1 },
    '--reap': { arity: 0 },
    '--hitcount': { arity: 1 },
    '--rttl': { arity: 0 },
    '--rsource': { arity: 0 },
    '--rdest': { arity: 0 },
    '--mask': { arity: 1 },
  },
  mark: { '--mark': { arity: 1 } },
  conntrack: {
    '--ctstate': { arity: 1 },
    '--ctstatus': { arity: 1 },
    '--ctproto': { arity: 1 },
    '--ctorigsrc': { arity: 1 },
    '--ctorigdst': { arity: 1 },
    '--ctreplsrc': { arity: 1 },
    '--ctrepldst': { arity: 1 },
    '--ctorigsrcport': { arity: 1 },
    '--ctorigdstport': { arity: 1 },
    '--ctdir': { arity: 1 },
    '--ctexpire': { arity: 1 },
  },
  nfacct: { '--nfacct-name': { arity: 1 } },
};

const BASIC_OPTIONS: Record<string, { arity: number; canonical: string }> = {
  '-s': { arity: 1, canonical: '-s' },
  '--source': { arity: 1, canonical: '-s' },
  '--src': { arity: 1, canonical: '-s' },
  '-d': { arity: 1, canonical: '-d' },
  '--destination': { arity: 1, canonical: '-d' },
  '--dst': { arity: 1, canonical: '-d' },
  '-p': { arity: 1, canonical: '-p' },
  '--protocol': { arity: 1, canonical: '-p' },
  '-i': { arity: 1, canonical: '-i' },
  '--in-interface': { arity: 1, canonical: '-i' },
  '-o': { arity: 1, canonical: '-o' },
  '--out-interface': { arity: 1, canonical: '-o' },
  '-f': { arity: 0, canonical: '-f' },
  '--fragment': { arity: 0, canonical: '-f' },
};

/** Protocol numbers iptables-save may print instead of names. */
const PROTOCOL_NUMBERS: Record<string, string> = {
  '6': 'tcp',
  '17': 'udp',
  '132': 'sctp',
  '1': 'icmp',
  '58': 'ipv6-icmp',
};

interface ParsedOption {
  module: string | null;
  name: string;
  negated: boolean;
  values: string[];
  text: string;
}

export interface CompiledRule {
  matches: RuleMatch[];
  target: RuleTarget | null;
  /** Structural problems (missing values); the rule is still kept. */
  errors: string[];
}

function isOptionWord(t: Token | undefined): boolean {
  if (t === undefined || t.quoted) return false;
  return t.text === '!' || (t.text.length > 1 && t.text.startsWith('-') && !/^-\d/.test(t.text));
}

function show(negated: boolean, name: string, values: string[]): string {
  const vs = values.map((v) => (/\s/.test(v) || v === '' ? `"${v}"` : v));
  return [...(negated ? ['!'] : []), name, ...vs].join(' ');
}

export function compileRule(tokens: Token[]): CompiledRule {
  const errors: string[] = [];
  const options: ParsedOption[] = [];
  const loaded: string[] = [];
  let target: RuleTarget | null = null;
  let current: string | null = null;
  let i = 0;
  while (i < tokens.length) {
    const tok = tokens[i];
    if (tok === undefined) break;
    const word = tok.text;
    if ((word === '-j' || word === '--jump' || word === '-g' || word === '--goto') && !tok.quoted) {
      const name = tokens[i + 1]?.text;
      if (name === undefined) {
        errors.push(`${word} needs a target`);
        break;
      }
      target = { goto: word === '-g' || word === '--goto', name, options: [] };
      i += 2;
      // Target options run to the end of the rule (iptables-save always prints the target last).
      while (i < tokens.length) {
        const opt = tokens[i]?.text ?? '';
        const values: string[] = [];
        i++;
        while (i < tokens.length && !isOptionWord(tokens[i])) values.push(tokens[i++]?.text ?? '');
        target.options.push({ name: opt, values });
      }
      break;
    }
    let negated = false;
    let k = i;
    if (word === '!' && !tok.quoted) {
      negated = true;
      k++;
    }
    const name = tokens[k]?.text ?? '';
    if ((name === '-m' || name === '--match') && !negated) {
      const mod = tokens[k + 1]?.text;
      if (mod === undefined) {
        errors.push('-m needs a module name');
        break;
      }
      loaded.push(mod);
      current = mod;
      if (MODULE_OPTIONS[mod] === undefined) {
        options.push({ module: mod, name: '-m', negated: false, values: [mod], text: `-m ${mod}` });
      }
      i = k + 2;
      continue;
    }
    const basic = BASIC_OPTIONS[name];
    if (basic !== undefined) {
      const values = tokens.slice(k + 1, k + 1 + basic.arity).map((t) => t.text);
      if (values.length < basic.arity) errors.push(`${name} needs a value`);
      options.push({
        module: null,
        name: basic.canonical,
        negated,
        values,
        text: show(negated, name, values),
      });
      if (basic.canonical === '-p' && values[0] !== undefined) {
        const proto = PROTOCOL_NUMBERS[values[0]] ?? values[0].toLowerCase();
        // `-p tcp` implicitly loads the tcp match, so `--dport` may follow without `-m tcp`.
        if (MODULE_OPTIONS[proto] !== undefined && !loaded.includes(proto)) loaded.push(proto);
      }
      i = k + 1 + basic.arity;
      continue;
    }
    // Resolve against the module named last, then any other loaded module.
    let owner: string | undefined =
      current !== null && MODULE_OPTIONS[current]?.[name] !== undefined ? current : undefined;
    for (let m = loaded.length - 1; owner === undefined && m >= 0; m--) {
      const mod = loaded[m];
      if (mod !== undefined && MODULE_OPTIONS[mod]?.[name] !== undefined) owner = mod;
    }
    if (owner !== undefined) {
      const spec = MODULE_OPTIONS[owner]?.[name] ?? { arity: 0 };
      const values = tokens.slice(k + 1, k + 1 + spec.arity).map((t) => t.text);
      let next = k + 1 + spec.arity;
      if (values.length < spec.arity) errors.push(`${name} needs a value`);
      if (name === '--comment') {
        // Tolerate an unquoted comment with spaces (upstream's own test fixtures have them).
        while (next < tokens.length && !isOptionWord(tokens[next])) {
          values[0] = `${values[0] ?? ''} ${tokens[next]?.text ?? ''}`;
          next++;
        }
      }
      options.push({ module: owner, name, negated, values, text: show(negated, name, values) });
      i = next;
      continue;
    }
    // Unknown option (or an option of an unknown module): take the words up to the next option.
    const values: string[] = [];
    let next = k + 1;
    while (next < tokens.length && !isOptionWord(tokens[next])) values.push(tokens[next++]?.text ?? '');
    options.push({ module: current, name, negated, values, text: show(negated, name, values) });
    i = next === i ? i + 1 : next;
  }
  return { matches: toMatches(options), target, errors };
}

function parseNumber(text: string): number | null {
  if (/^0x[0-9a-f]+$/i.test(text)) return parseInt(text.slice(2), 16);
  if (/^\d+$/.test(text)) return Number(text);
  return null;
}

/** `value[/mask]` as used by `--mark` and the MARK target. */
export function parseMarkValue(text: string): { value: number; mask: number } | null {
  const [v, m] = text.split('/');
  const value = parseNumber(v ?? '');
  const mask = m === undefined ? 0xffffffff : parseNumber(m);
  if (value === null || mask === null) return null;
  return { value: value >>> 0, mask: mask >>> 0 };
}

function toMatches(options: ParsedOption[]): RuleMatch[] {
  const matches: RuleMatch[] = [];
  const unsupported = (o: ParsedOption, what: string): void => {
    matches.push({ kind: 'unsupported', what, text: o.text });
  };
  // statistic and recent carry several options that only mean something together.
  const groups = new Map<string, ParsedOption[]>();
  for (const o of options) {
    if (o.module === 'statistic' || o.module === 'recent') {
      const g = groups.get(o.module);
      if (g === undefined) {
        groups.set(o.module, [o]);
        matches.push({ kind: 'unsupported', what: `@group:${o.module}`, text: '' });
      } else {
        g.push(o);
      }
      continue;
    }
    const value = o.values[0] ?? '';
    switch (o.name) {
      case '-s':
      case '-d':
        matches.push({
          kind: 'address',
          field: o.name === '-s' ? 'source' : 'destination',
          negated: o.negated,
          value,
          text: o.text,
        });
        continue;
      case '-p':
        matches.push({
          kind: 'protocol',
          negated: o.negated,
          protocol: PROTOCOL_NUMBERS[value] ?? value.toLowerCase(),
          text: o.text,
        });
        continue;
      case '-i':
      case '-o':
        unsupported(o, `interface match ${o.text}`);
        continue;
      case '-f':
        unsupported(o, 'fragment match -f');
        continue;
      case '-m':
        unsupported(o, `match module ${value}`);
        continue;
    }
    switch (o.module) {
      case 'tcp':
      case 'udp':
      case 'sctp': {
        if (o.name === '--dport' || o.name === '--destination-port') {
          const m = /^(\d+)(?::(\d+))?$/.exec(value);
          if (m === null) {
            unsupported(o, `port ${o.text}`);
          } else {
            const from = Number(m[1]);
            matches.push({
              kind: 'port',
              negated: o.negated,
              from,
              to: m[2] === undefined ? from : Number(m[2]),
              text: o.text,
            });
          }
        } else if (o.name === '--syn') {
          matches.push({ kind: 'syn', negated: o.negated, text: o.text });
        } else {
          // The source port of a new connection is an ephemeral port nobody can predict.
          unsupported(o, `${o.module} option ${o.text}`);
        }
        continue;
      }
      case 'comment':
        matches.push({ kind: 'comment', comment: value, text: o.text });
        continue;
      case 'addrtype': {
        if (o.name === '--src-type' || o.name === '--dst-type') {
          matches.push({
            kind: 'addrtype',
            field: o.name === '--src-type' ? 'source' : 'destination',
            negated: o.negated,
            types: value.split(',').map((t) => t.toUpperCase()),
            text: o.text,
          });
        } else {
          unsupported(o, `addrtype option ${o.text}`);
        }
        continue;
      }
      case 'mark': {
        const mark = parseMarkValue(value);
        if (mark === null) unsupported(o, `mark ${o.text}`);
        else matches.push({ kind: 'mark', negated: o.negated, ...mark, text: o.text });
        continue;
      }
      case 'conntrack':
        if (o.name === '--ctstate') {
          matches.push({
            kind: 'ctstate',
            negated: o.negated,
            states: value.toUpperCase().split(','),
            text: o.text,
          });
        } else {
          unsupported(o, `conntrack option ${o.text}`);
        }
        continue;
      case 'nfacct':
        matches.push({ kind: 'nfacct', name: value, text: o.text });
        continue;
      default:
        unsupported(o, o.module === null ? `option ${o.text}` : `${o.module} option ${o.text}`);
    }
  }
  // Replace the group placeholders with the combined statistic / recent matches.
  return matches.map((m) => {
    if (m.kind !== 'unsupported' || !m.what.startsWith('@group:')) return m;
    const module = m.what.slice('@group:'.length);
    const group = groups.get(module) ?? [];
    const text = [`-m ${module}`, ...group.map((o) => o.text)].join(' ');
    const get = (name: string): ParsedOption | undefined => group.find((o) => o.name === name);
    if (module === 'statistic') {
      const mode = get('--mode')?.values[0];
      const prob = get('--probability');
      const p = Number(prob?.values[0]);
      if (mode === 'random' && prob !== undefined && Number.isFinite(p) && p >= 0 && p <= 1) {
        return { kind: 'statistic', negated: prob.negated, probability: p, text };
      }
      return { kind: 'unsupported', what: `statistic ${text}`, text };
    }
    const modes = (['set', 'rcheck', 'update', 'remove'] as const).filter(
      (md) => get(`--${md}`) !== undefined,
    );
    const mode = modes[0];
    if (modes.length !== 1 || mode === undefined || group.some((o) => o.name === '--hitcount')) {
      return { kind: 'unsupported', what: `recent ${text}`, text };
    }
    return {
      kind: 'recent',
      negated: get(`--${mode}`)?.negated ?? false,
      mode,
      name: get('--name')?.values[0] ?? 'DEFAULT',
      text,
    };
  });
}
