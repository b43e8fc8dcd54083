// chartutil.DefaultCapabilities as `helm template` (client-only) uses it: KubeVersion v1.20.0
// (what Helm's unit tests see without the Makefile's ldflags), the API group/versions known to
// client-go's scheme plus apiextensions, and chartutil.ParseKubeVersion for --kube-version.
import type { KubeVersionInfo } from './engine';

export const DEFAULT_KUBE_VERSION: KubeVersionInfo = { version: 'v1.20.0', major: '1', minor: '20' };

/**
 * chartutil.DefaultVersionSet: scheme.Scheme.PrioritizedVersionsAllGroups() of client-go
 * (kubernetes/scheme/register.go, in registration order) after apiextensions v1beta1 and v1
 * are added. Transcribed from client-go's register.go; the newest client-go also registers
 * resource.k8s.io v1/v1beta1/v1beta2 and storagemigration v1beta1, included here.
 */
export const DEFAULT_API_VERSIONS: readonly string[] = [
  'v1',
  'admissionregistration.k8s.io/v1',
  'admissionregistration.k8s.io/v1alpha1',
  'admissionregistration.k8s.io/v1beta1',
  'internal.apiserver.k8s.io/v1alpha1',
  'apps/v1',
  'apps/v1beta1',
  'apps/v1beta2',
  'authentication.k8s.io/v1',
  'authentication.k8s.io/v1alpha1',
  'authentication.k8s.io/v1beta1',
  'authorization.k8s.io/v1',
  'authorization.k8s.io/v1beta1',
  'autoscaling/v1',
  'autoscaling/v2',
  'autoscaling/v2beta1',
  'autoscaling/v2beta2',
  'batch/v1',
  'batch/v1beta1',
  'certificates.k8s.io/v1',
  'certificates.k8s.io/v1beta1',
  'certificates.k8s.io/v1alpha1',
  'coordination.k8s.io/v1alpha2',
  'coordination.k8s.io/v1beta1',
  'coordination.k8s.io/v1',
  'discovery.k8s.io/v1',
  'discovery.k8s.io/v1beta1',
  'events.k8s.io/v1',
  'events.k8s.io/v1beta1',
  'extensions/v1beta1',
  'flowcontrol.apiserver.k8s.io/v1',
  'flowcontrol.apiserver.k8s.io/v1beta1',
  'flowcontrol.apiserver.k8s.io/v1beta2',
  'flowcontrol.apiserver.k8s.io/v1beta3',
  'networking.k8s.io/v1',
  'networking.k8s.io/v1alpha1',
  'networking.k8s.io/v1beta1',
  'node.k8s.io/v1',
  'node.k8s.io/v1alpha1',
  'node.k8s.io/v1beta1',
  'policy/v1',
  'policy/v1beta1',
  'rbac.authorization.k8s.io/v1',
  'rbac.authorization.k8s.io/v1beta1',
  'rbac.authorization.k8s.io/v1alpha1',
  'resource.k8s.io/v1',
  'resource.k8s.io/v1beta1',
  'resource.k8s.io/v1beta2',
  'resource.k8s.io/v1alpha3',
  'scheduling.k8s.io/v1alpha1',
  'scheduling.k8s.io/v1beta1',
  'scheduling.k8s.io/v1',
  'storage.k8s.io/v1beta1',
  'storage.k8s.io/v1',
  'storage.k8s.io/v1alpha1',
  'storagemigration.k8s.io/v1beta1',
  'storagemigration.k8s.io/v1alpha1',
  'apiextensions.k8s.io/v1beta1',
  'apiextensions.k8s.io/v1',
];

/**
 * chartutil.ParseKubeVersion (k8s.io/apimachinery version.ParseGeneric): `1.16`, `v1.16.0`;
 * Version is `v` + the components as given. Returns an error text in Helm's wording.
 */
export function parseKubeVersion(text: string): KubeVersionInfo | { error: string } {
  const m = /^\s*v?([0-9]+(?:\.[0-9]+)*)(.*)$/.exec(text);
  const comps = m?.[1]?.split('.') ?? [];
  if (m === null || comps.length < 2 || (m[2] ?? '') !== '')
    return { error: `invalid kube version '${text}': could not parse "${text}" as version` };
  const nums = comps.map((c) => BigInt(c).toString());
  return { version: `v${nums.join('.')}`, major: nums[0] ?? '0', minor: nums[1] ?? '0' };
}
