// IPv4 arithmetic on unsigned 32-bit numbers. IPv6 is carried as text and not yet modelled.

export function parseIPv4(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return null;
    const n = Number(part);
    if (n > 255) return null;
    value = value * 256 + n;
  }
  return value >>> 0;
}

export function formatIPv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.');
}

export interface CIDR {
  network: number;
  prefix: number;
  /** Number of addresses, including network and broadcast. */
  size: number;
}

export function parseCIDR(text: string): CIDR | null {
  const m = /^\s*([0-9.]+)\/(\d{1,2})\s*$/.exec(text);
  if (!m) return null;
  const ip = parseIPv4(m[1] ?? '');
  const prefix = Number(m[2]);
  if (ip === null || prefix > 32) return null;
  const size = 2 ** (32 - prefix);
  const network = prefix === 0 ? 0 : (ip - (ip % size)) >>> 0;
  return { network, prefix, size };
}

export function formatCIDR(cidr: CIDR): string {
  return `${formatIPv4(cidr.network)}/${cidr.prefix}`;
}

export function ipInCIDR(ip: string, cidr: string | CIDR): boolean {
  const parsed = typeof cidr === 'string' ? parseCIDR(cidr) : cidr;
  const value = parseIPv4(ip);
  if (!parsed || value === null) return false;
  return value >= parsed.network && value < parsed.network + parsed.size;
}

/** Whether `inner` lies entirely inside `outer`. */
export function cidrContains(outer: string, inner: string): boolean {
  const o = parseCIDR(outer);
  const i = parseCIDR(inner);
  if (!o || !i) return false;
  return i.network >= o.network && i.network + i.size <= o.network + o.size;
}
