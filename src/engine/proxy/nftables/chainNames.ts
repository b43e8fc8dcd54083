// Object names exactly as kube-proxy's nftables proxier derives them (pkg/proxy/nftables/proxier.go
// hashAndTruncate, servicePortChainNameBase, servicePortEndpointChainNameBase).
import { sha256Base32Prefix16 } from '../../util/sha256';

/** knftables.NameLengthMax (256) minus the longest prefix kube-proxy puts in front (16). */
export const chainNameBaseLengthMax = 240;

export const servicePolicyClusterPrefix = 'service-';
export const servicePolicyLocalPrefix = 'local-';
export const serviceExternalPrefix = 'external-';
export const serviceFirewallPrefix = 'firewall-';
export const endpointChainPrefix = 'endpoint-';
export const endpointAffinityPrefix = 'affinity-';

/**
 * The first 8 letters of base32(sha256(name)), a dash, then the name itself, cut to
 * chainNameBaseLengthMax with "..." (the hash keeps a cut name unique).
 */
export function hashAndTruncate(name: string): string {
  const full = `${sha256Base32Prefix16(name).slice(0, 8)}-${name}`;
  return full.length > chainNameBaseLengthMax ? `${full.slice(0, chainNameBaseLengthMax - 3)}...` : full;
}

/** `HASH-ns/svc/proto/portName`; `protocol` is lower case. */
export function servicePortChainNameBase(
  namespace: string,
  name: string,
  portName: string,
  protocol: string,
): string {
  return hashAndTruncate(`${namespace}/${name}/${protocol}/${portName}`);
}

/**
 * `HASH-ns/svc/proto/portName__IP/port`; `endpoint` is net.JoinHostPort's `ip:port`
 * (`[ip]:port` for IPv6, whose colons become dots: ':' is not allowed in a chain name).
 */
export function servicePortEndpointChainNameBase(
  namespace: string,
  name: string,
  portName: string,
  protocol: string,
  endpoint: string,
): string {
  const { host, port } = splitHostPort(endpoint);
  const ip = host.replaceAll(':', '.');
  return hashAndTruncate(`${namespace}/${name}/${protocol}/${portName}__${ip}/${port}`);
}

function splitHostPort(endpoint: string): { host: string; port: string } {
  if (endpoint.startsWith('[')) {
    const close = endpoint.indexOf(']');
    return { host: endpoint.slice(1, close), port: endpoint.slice(close + 2) };
  }
  const colon = endpoint.lastIndexOf(':');
  return { host: endpoint.slice(0, colon), port: endpoint.slice(colon + 1) };
}

/** Per-service chains always contain a '/', which none of the fixed chains do. */
export function isServiceChainName(chain: string): boolean {
  return chain.includes('/');
}

export function isAffinitySetName(set: string): boolean {
  return set.startsWith(endpointAffinityPrefix);
}
