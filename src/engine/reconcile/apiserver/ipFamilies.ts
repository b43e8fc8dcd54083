// storage/alloc.go initIPFamilyFields: on create, infer ipFamilyPolicy and
// ipFamilies from what the user wrote and what the cluster is configured for.
import type { IPFamily } from '../../model';
import type { V1ServiceSpec } from './decode';
import type { FieldError } from './fieldError';
import { goString, invalid } from './fieldError';
import { goStringSlice } from './goFormat';
import { otherFamily, parseIP } from './ip';

/**
 * Mutates `spec.ipFamilyPolicy` and `spec.ipFamilies`. `clusterFamilies` are the
 * families of the service CIDRs, primary first. Returns the errors that make the
 * API server refuse the create (no IP gets allocated then).
 */
export function initIPFamilyFields(spec: V1ServiceSpec, clusterFamilies: readonly IPFamily[]): FieldError[] {
  if (spec.type === 'ExternalName') return [];
  const defaultFamily = clusterFamilies[0] ?? 'IPv4';
  const selectorless = spec.selector === null || Object.keys(spec.selector).length === 0;
  const headlessSelectorless = spec.clusterIP === 'None' && selectorless;
  if (spec.ipFamilyPolicy === null)
    spec.ipFamilyPolicy = headlessSelectorless ? 'RequireDualStack' : 'SingleStack';
  const policy = spec.ipFamilyPolicy;
  const errs: FieldError[] = [];

  if (policy === 'SingleStack') {
    if (spec.clusterIPs.length === 2) {
      errs.push(
        invalid(
          ['spec', 'ipFamilyPolicy'],
          goString(policy),
          "must be 'RequireDualStack' or 'PreferDualStack' when multiple cluster IPs are specified",
        ),
      );
    }
    if (spec.ipFamilies.length === 2) {
      errs.push(
        invalid(
          ['spec', 'ipFamilyPolicy'],
          goString(policy),
          "must be 'RequireDualStack' or 'PreferDualStack' when multiple IP families are specified",
        ),
      );
    }
  }

  for (const [i, ip] of spec.clusterIPs.entries()) {
    if (ip === 'None') break;
    const family = parseIP(ip)?.family;
    if (family === undefined) continue;
    if (i >= spec.ipFamilies.length) {
      if (!clusterFamilies.includes(family)) {
        errs.push(
          invalid(
            ['spec', 'clusterIPs', i],
            goStringSlice(spec.clusterIPs),
            `${family} is not configured on this cluster`,
          ),
        );
      } else {
        spec.ipFamilies.push(family);
      }
    }
  }
  if (errs.length > 0) return errs;

  if (headlessSelectorless) {
    if (spec.ipFamilies.length === 0) spec.ipFamilies = [defaultFamily];
    const first = spec.ipFamilies[0];
    if (spec.ipFamilies.length < 2 && policy !== 'SingleStack' && (first === 'IPv4' || first === 'IPv6')) {
      spec.ipFamilies.push(otherFamily(first));
    }
    return [];
  }

  if (policy === 'RequireDualStack' && clusterFamilies.length < 2) {
    errs.push(
      invalid(
        ['spec', 'ipFamilyPolicy'],
        goString(policy),
        'this cluster is not configured for dual-stack services',
      ),
    );
  }
  spec.ipFamilies.forEach((family, i) => {
    if (!(clusterFamilies as readonly string[]).includes(family)) {
      errs.push(invalid(['spec', 'ipFamilies', i], goString(family), 'not configured on this cluster'));
    }
  });
  if (errs.length > 0) return errs;

  if (spec.ipFamilies.length === 0) spec.ipFamilies = [defaultFamily];
  const first = spec.ipFamilies[0];
  if (policy !== 'SingleStack' && spec.ipFamilies.length === 1 && clusterFamilies.length === 2) {
    if (first === 'IPv4' || first === 'IPv6') spec.ipFamilies.push(otherFamily(first));
  }
  return [];
}
