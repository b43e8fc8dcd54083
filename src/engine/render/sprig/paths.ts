// Go's path package (base, dir, clean, ext, isAbs) and, as Sprig's os* functions on Linux,
// path/filepath with '/' separators; plus Sprig's urlParse and urlJoin over net/url.
import type { GoFunc, Value } from '../gotemplate';
import { FuncError, goQuote } from '../gotemplate';
import { fn } from './convert';

/** path.Clean. */
export function clean(path: string): string {
  if (path === '') return '.';
  const rooted = path[0] === '/';
  const parts: string[] = [];
  for (const seg of path.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (parts.length > 0 && parts[parts.length - 1] !== '..') parts.pop();
      else if (!rooted) parts.push('..');
      continue;
    }
    parts.push(seg);
  }
  const out = (rooted ? '/' : '') + parts.join('/');
  return out === '' ? '.' : out;
}

/** path.Base. */
export function base(path: string): string {
  if (path === '') return '.';
  const p = path.replace(/\/+$/, '');
  if (p === '') return '/';
  return p.slice(p.lastIndexOf('/') + 1);
}

/** path.Dir. */
export function dir(path: string): string {
  const i = path.lastIndexOf('/');
  return clean(path.slice(0, i + 1));
}

/** path.Ext. */
export function ext(path: string): string {
  for (let i = path.length - 1; i >= 0 && path[i] !== '/'; i--) if (path[i] === '.') return path.slice(i);
  return '';
}

type Mode = 'path' | 'host' | 'user' | 'fragment';

function shouldEscape(c: string, mode: Mode): boolean {
  if (/[A-Za-z0-9]/.test(c)) return false;
  if (mode === 'host' && `!$&'()*+,;=:[]<>"`.includes(c)) return false;
  if ('-_.~'.includes(c)) return false;
  if ('$&+,/:;=?@'.includes(c)) {
    if (mode === 'path') return c === '?';
    if (mode === 'user') return '@/?:'.includes(c);
    return mode !== 'fragment' && mode !== 'host';
  }
  if (mode === 'fragment' && '!()*'.includes(c)) return false;
  return true;
}

function escape(s: string, mode: Mode): string {
  let out = '';
  for (const b of new TextEncoder().encode(s)) {
    const c = String.fromCharCode(b);
    out += b < 0x80 && !shouldEscape(c, mode) ? c : '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

function unescape(s: string, whole: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '%') {
      const h = s.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(h))
        throw new FuncError(`parse ${goQuote(whole)}: invalid URL escape ${goQuote(s.slice(i, i + 3))}`);
      bytes.push(parseInt(h, 16));
      i += 2;
    } else bytes.push(...new TextEncoder().encode(s[i]));
  }
  return new TextDecoder().decode(Uint8Array.from(bytes));
}

interface Url {
  scheme: string;
  opaque: string;
  user: string | null;
  host: string;
  path: string;
  rawQuery: string;
  fragment: string;
}

/** url.Parse for the parts Sprig reads. */
function parseUrl(raw: string): Url {
  const [u0, frag] = raw.includes('#')
    ? [raw.slice(0, raw.indexOf('#')), raw.slice(raw.indexOf('#') + 1)]
    : [raw, ''];
  const u: Url = {
    scheme: '',
    opaque: '',
    user: null,
    host: '',
    path: '',
    rawQuery: '',
    fragment: unescape(frag, raw),
  };
  let rest = u0;
  const sm = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(rest);
  if (sm !== null) {
    u.scheme = sm[1]!.toLowerCase();
    rest = rest.slice(sm[0].length);
  } else if (rest.startsWith(':')) throw new FuncError(`parse ${goQuote(u0)}: missing protocol scheme`);
  if (rest.includes('?')) {
    u.rawQuery = rest.slice(rest.indexOf('?') + 1);
    rest = rest.slice(0, rest.indexOf('?'));
  }
  if (!rest.startsWith('/')) {
    if (u.scheme !== '') {
      u.opaque = rest;
      return u;
    }
    const colon = rest.indexOf(':');
    const slash = rest.indexOf('/');
    if (colon >= 0 && (slash < 0 || colon < slash))
      throw new FuncError(`parse ${goQuote(u0)}: first path segment in URL cannot contain colon`);
  }
  if (rest.startsWith('//') && (u.scheme !== '' || !rest.startsWith('///'))) {
    const auth = rest.slice(2);
    const slash = auth.indexOf('/');
    const authority = slash < 0 ? auth : auth.slice(0, slash);
    rest = slash < 0 ? '' : auth.slice(slash);
    const at = authority.lastIndexOf('@');
    if (at >= 0) u.user = unescape(authority.slice(0, at), raw);
    u.host = unescape(at >= 0 ? authority.slice(at + 1) : authority, raw);
  }
  u.path = unescape(rest, raw);
  return u;
}

function hostname(host: string): string {
  if (host.startsWith('[')) return host.slice(1, host.indexOf(']') < 0 ? host.length : host.indexOf(']'));
  const colon = host.lastIndexOf(':');
  return colon >= 0 ? host.slice(0, colon) : host;
}

/** Userinfo.String: the user name and password escaped. */
function userString(user: string): string {
  const colon = user.indexOf(':');
  if (colon < 0) return escape(user, 'user');
  return escape(user.slice(0, colon), 'user') + ':' + escape(user.slice(colon + 1), 'user');
}

/** URL.String. */
function urlString(u: Url): string {
  let out = '';
  if (u.scheme !== '') out += u.scheme + ':';
  if (u.opaque !== '') out += u.opaque;
  else {
    if (u.scheme !== '' || u.host !== '' || u.user !== null) {
      if (u.host !== '' || u.path !== '' || u.user !== null) out += '//';
      if (u.user !== null) out += userString(u.user) + '@';
      if (u.host !== '') out += escape(u.host, 'host');
    }
    const path = escape(u.path, 'path');
    if (path !== '' && path[0] !== '/' && u.host !== '') out += '/';
    if (out === '' && path.split('/')[0]!.includes(':')) out += './';
    out += path;
  }
  if (u.rawQuery !== '') out += '?' + u.rawQuery;
  if (u.fragment !== '') out += '#' + escape(u.fragment, 'fragment');
  return out;
}

function urlParse(v: string): Value {
  let u: Url;
  try {
    u = parseUrl(v);
  } catch (e) {
    throw new FuncError(`unable to parse url: ${(e as Error).message}`);
  }
  return new Map<string, Value>([
    ['scheme', u.scheme],
    ['host', u.host],
    ['hostname', hostname(u.host)],
    ['path', u.path],
    ['query', u.rawQuery],
    ['opaque', u.opaque],
    ['fragment', u.fragment],
    ['userinfo', u.user === null ? '' : userString(u.user)],
  ]);
}

function dictString(d: ReadonlyMap<string, Value>, key: string): string {
  if (!d.has(key)) return '';
  const v = d.get(key);
  if (typeof v !== 'string') {
    if (v === null || v === undefined)
      throw new FuncError('reflect: call of reflect.Value.Type on zero Value');
    throw new FuncError(
      `unable to parse ${key} key, must be of type string, but ${typeof v === 'bigint' ? 'int' : Array.isArray(v) ? 'slice' : v instanceof Map ? 'map' : typeof v === 'number' ? 'float64' : typeof v === 'boolean' ? 'bool' : 'struct'} found`,
    );
  }
  return v;
}

function urlJoin(d: ReadonlyMap<string, Value>): string {
  const userinfo = dictString(d, 'userinfo');
  const u: Url = {
    scheme: dictString(d, 'scheme'),
    host: dictString(d, 'host'),
    path: dictString(d, 'path'),
    rawQuery: dictString(d, 'query'),
    opaque: dictString(d, 'opaque'),
    fragment: dictString(d, 'fragment'),
    user: null,
  };
  if (userinfo !== '') {
    try {
      u.user = parseUrl(`proto://${userinfo}@host`).user;
    } catch (e) {
      throw new FuncError(`unable to parse userinfo in dict: ${(e as Error).message}`);
    }
  }
  return urlString(u);
}

export function pathFunctions(): Map<string, GoFunc> {
  const S = 'string';
  const entries: [string, GoFunc][] = [];
  for (const prefix of ['', 'os']) {
    const name = (n: string): string => (prefix === '' ? n : prefix + n[0]!.toUpperCase() + n.slice(1));
    entries.push(
      [name('base'), fn([S], S, (a) => base(a[0] as string))],
      [name('dir'), fn([S], S, (a) => dir(a[0] as string))],
      [name('clean'), fn([S], S, (a) => clean(a[0] as string))],
      [name('ext'), fn([S], S, (a) => ext(a[0] as string))],
      [name('isAbs'), fn([S], 'bool', (a) => (a[0] as string).startsWith('/'))],
    );
  }
  entries.push(
    ['urlParse', fn([S], 'map[string]interface {}', (a) => urlParse(a[0] as string))],
    [
      'urlJoin',
      fn(['map[string]interface {}'], S, (a) =>
        urlJoin((a[0] ?? new Map<string, Value>()) as ReadonlyMap<string, Value>),
      ),
    ],
  );
  return new Map(entries);
}
