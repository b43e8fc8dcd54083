// Host names as the Gateway API and Ingress compare them. Gateway API: a `*.` prefix matches
// one or more labels (`*.example.com` matches `a.b.example.com`, not `example.com`); Ingress
// (KEP-1453): a `*.` prefix matches exactly one label.

/** The Host header without its port, lower case (`Example.com:8080` → `example.com`). */
export function hostWithoutPort(host: string): string {
  const bracket = host.startsWith('[') ? host.indexOf(']') : -1;
  if (bracket > 0) return host.slice(0, bracket + 1).toLowerCase();
  const colon = host.lastIndexOf(':');
  return (colon >= 0 && /^\d*$/.test(host.slice(colon + 1)) ? host.slice(0, colon) : host).toLowerCase();
}

/** Gateway API: does `pattern` (a host name, `*.suffix`, or null for any) match the host? */
export function gatewayHostMatches(pattern: string | null, host: string): boolean {
  if (pattern === null) return true;
  if (!pattern.startsWith('*.')) return pattern === host;
  const suffix = pattern.slice(1);
  return host.endsWith(suffix) && host.length > suffix.length;
}

/** Ingress (KEP-1453): `*.foo.com` matches `bar.foo.com`, not `a.bar.foo.com` nor `foo.com`. */
export function ingressHostMatches(pattern: string | null, host: string): boolean {
  if (pattern === null) return true;
  if (!pattern.startsWith('*.')) return pattern === host;
  const dot = host.indexOf('.');
  return dot > 0 && host.slice(dot) === pattern.slice(1);
}

/**
 * The host names a route serves on a listener (the Gateway API's intersection rules): a
 * route host name that the listener's matches, or the listener's when it is the narrower
 * wildcard. Null: both match any host; [] no intersection.
 */
export function intersectHostnames(listener: string | null, route: readonly string[]): string[] | null {
  if (route.length === 0) return listener === null ? null : [listener];
  if (listener === null) return [...route];
  const out: string[] = [];
  for (const h of route) {
    if (h === listener) out.push(h);
    else if (gatewayHostMatches(listener, h)) out.push(h);
    else if (gatewayHostMatches(h, listener)) out.push(listener);
  }
  return [...new Set(out)];
}

/**
 * How specifically a host name pattern matched: exact names before wildcards, longer before
 * shorter; any host last. Compared as a tuple, larger first.
 */
export function hostSpecificity(pattern: string | null): [number, number] {
  if (pattern === null) return [0, 0];
  return pattern.startsWith('*.') ? [1, pattern.length] : [2, pattern.length];
}
