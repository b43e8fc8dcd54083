// The API server's defaulting and validation of the workload fields on a Service's path, for
// Pods and the apps/v1 workloads: pkg/apis/apps/validation ValidateDeployment (selector, strategy,
// minReadySeconds, revisionHistoryLimit, progressDeadlineSeconds), ValidatePodTemplateSpecForReplicaSet
// and its StatefulSet/DaemonSet siblings (selector against template labels, restartPolicy), and
// from pkg/apis/core/validation the pod template's ephemeral containers and the containers'
// ports (validateContainerPorts, checkHostPortConflicts, validatePodHostNetworkDeps). v1
// defaulting (pkg/apis/apps/v1/defaults.go, core/v1/defaults.go) runs first, on a copy.
// Metadata (names, labels, annotations) is objectMeta.ts's.
import type { Diagnostic, LoadedObject } from '../../model';
import { goJsonKind, isPlainObject, keyRangeAt, rangeAt } from '../../model';
import { labelSelectorMatches, readLabelSelector } from '../labels';
import {
  isQualifiedName,
  isValidLabelValue,
  isValidPortName,
  isValidPortNum,
} from './apimachineryValidation';
import type { Segments } from './decode';
import type { FieldError, GoValue } from './fieldError';
import {
  duplicate,
  forbidden,
  goInt,
  goString,
  invalid,
  notSupported,
  renderFieldError,
  required,
} from './fieldError';
import { goQuote } from './goFormat';

const CODE = 'workload-invalid';
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const TEMPLATE_KINDS = new Set([
  'Deployment',
  'ReplicaSet',
  'StatefulSet',
  'DaemonSet',
  'ReplicationController',
]);
/** Kinds whose template goes through core ValidatePodTemplateSpec (StatefulSet's does not). */
const POD_TEMPLATE_SPEC_KINDS = new Set(['Deployment', 'ReplicaSet', 'DaemonSet', 'ReplicationController']);
/** The empty-selector message of each kind (ReplicaSet reuses Deployment's). */
const EMPTY_SELECTOR: Record<string, string> = {
  Deployment: 'empty selector is invalid for deployment',
  ReplicaSet: 'empty selector is invalid for deployment',
  StatefulSet: 'empty selector is invalid for statefulset',
  DaemonSet: 'empty selector is invalid for daemonset',
};
const MUST_BE_NONNEGATIVE = 'must be greater than or equal to 0';
const PERCENT_FMT = '[0-9]+%';
const DEFAULT_PERCENT = '25%';

type Raw = Record<string, unknown>;

/** An error whose range is the map key rather than the value (label keys). */
interface Located extends FieldError {
  onKey?: boolean;
}

function obj(value: unknown): Raw | null {
  return isPlainObject(value) ? value : null;
}

/** `%#v` of a map[string]string: keys sorted, Go-quoted. */
export function goStringMap(labels: Record<string, string>): string {
  const keys = Object.keys(labels).sort();
  return `map[string]string{${keys.map((k) => `${goQuote(k)}:${goQuote(labels[k] ?? '')}`).join(', ')}}`;
}

/**
 * How field.ErrorBody prints an intstr.IntOrString: its String() (pointer receiver) is used since
 * apimachinery checks whether a pointer to the value is a Stringer: the string, or the int in decimal.
 */
function goIntOrString(value: number | string): string {
  return typeof value === 'number' ? String(value) : value;
}

/** validation.IsValidPercent. */
function isValidPercent(value: string): string[] {
  return /^[0-9]+%$/.test(value)
    ? []
    : [
        `a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '${PERCENT_FMT}')`,
      ];
}

/** getIntOrPercentValue: a percent's number, an int's value, a string that is neither 0. */
function intOrPercentValue(value: number | string): number {
  if (typeof value === 'number') return value;
  if (isValidPercent(value).length === 0) return Number.parseInt(value.slice(0, -1), 10);
  const n = Number(value);
  return Number.isInteger(n) && /^-?[0-9]+$/.test(value) ? n : 0;
}

function validateLabelMap(labels: Raw, at: Segments, printedAt: string): Located[] {
  const errs: Located[] = [];
  for (const [key, value] of Object.entries(labels)) {
    for (const msg of isQualifiedName(key)) {
      errs.push({ ...invalid([...at, key], goString(key), msg), field: printedAt, onKey: true });
    }
    if (typeof value === 'string') {
      for (const msg of isValidLabelValue(value)) {
        errs.push({ ...invalid([...at, key], goString(value), msg), field: printedAt });
      }
    }
  }
  return errs;
}

/** metav1validation.ValidateLabelSelector (label values checked strictly, as for workloads). */
function validateLabelSelector(selector: Raw, at: Segments): Located[] {
  const errs: Located[] = [];
  const matchLabels = obj(selector['matchLabels']);
  if (matchLabels !== null) {
    errs.push(...validateLabelMap(matchLabels, [...at, 'matchLabels'], `${at.join('.')}.matchLabels`));
  }
  const expressions = selector['matchExpressions'];
  if (Array.isArray(expressions)) {
    expressions.forEach((item, i) => {
      const e = obj(item);
      if (e === null) return;
      const here: Segments = [...at, 'matchExpressions', i];
      const values = Array.isArray(e['values']) ? e['values'] : [];
      const operator = typeof e['operator'] === 'string' ? e['operator'] : '';
      if (operator === 'In' || operator === 'NotIn') {
        if (values.length === 0) {
          errs.push(required([...here, 'values'], "must be specified when `operator` is 'In' or 'NotIn'"));
        }
      } else if (operator === 'Exists' || operator === 'DoesNotExist') {
        if (values.length > 0) {
          errs.push(
            forbidden(
              [...here, 'values'],
              "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
            ),
          );
        }
      } else {
        errs.push(invalid([...here, 'operator'], goString(operator), 'not a valid selector operator'));
      }
      const key = typeof e['key'] === 'string' ? e['key'] : '';
      for (const msg of isQualifiedName(key)) errs.push(invalid([...here, 'key'], goString(key), msg));
      values.forEach((value, v) => {
        if (typeof value !== 'string') return;
        for (const msg of isValidLabelValue(value)) {
          errs.push(invalid([...here, 'values', v], goString(value), msg));
        }
      });
    });
  }
  return errs;
}

/** validateContainerPorts for one container, on the defaulted ports (protocol TCP when unset). */
function validateContainerPorts(ports: unknown[], at: Segments): Located[] {
  const errs: Located[] = [];
  const names = new Set<string>();
  ports.forEach((item, i) => {
    const port = obj(item);
    if (port === null) return;
    const here: Segments = [...at, i];
    const name = typeof port['name'] === 'string' ? port['name'] : '';
    if (name !== '') {
      const msgs = isValidPortName(name);
      if (msgs.length > 0) for (const msg of msgs) errs.push(invalid([...here, 'name'], goString(name), msg));
      else if (names.has(name)) errs.push(duplicate([...here, 'name'], goString(name)));
      else names.add(name);
    }
    const containerPort = port['containerPort'];
    if (containerPort === undefined || containerPort === null || containerPort === 0) {
      errs.push(required([...here, 'containerPort']));
    } else if (typeof containerPort === 'number') {
      for (const msg of isValidPortNum(containerPort)) {
        errs.push(invalid([...here, 'containerPort'], goInt(containerPort), msg));
      }
    }
    const hostPort = port['hostPort'];
    if (typeof hostPort === 'number' && hostPort !== 0) {
      for (const msg of isValidPortNum(hostPort))
        errs.push(invalid([...here, 'hostPort'], goInt(hostPort), msg));
    }
    const protocol = port['protocol'] === undefined || port['protocol'] === null ? 'TCP' : port['protocol'];
    if (typeof protocol === 'string') {
      if (protocol === '') errs.push(required([...here, 'protocol']));
      else if (!PROTOCOLS.includes(protocol)) {
        errs.push(notSupported([...here, 'protocol'], goString(protocol), PROTOCOLS));
      }
    }
  });
  return errs;
}

/** checkHostPortConflicts: `<protocol>/<hostIP>/<hostPort>` unique across one list of containers. */
function checkHostPortConflicts(containers: unknown[], at: Segments): Located[] {
  const errs: Located[] = [];
  const seen = new Set<string>();
  containers.forEach((item, ci) => {
    const ports = obj(item)?.['ports'];
    if (!Array.isArray(ports)) return;
    ports.forEach((p, pi) => {
      const port = obj(p);
      const hostPort = port?.['hostPort'];
      if (port === null || typeof hostPort !== 'number' || hostPort === 0) return;
      const protocol = typeof port['protocol'] === 'string' ? port['protocol'] : 'TCP';
      const hostIP = typeof port['hostIP'] === 'string' ? port['hostIP'] : '';
      const key = `${protocol}/${hostIP}/${hostPort}`;
      if (seen.has(key)) errs.push(duplicate([...at, ci, 'ports', pi, 'hostPort'], goString(key)));
      else seen.add(key);
    });
  });
  return errs;
}

/** Wrong JSON types in the fields validated here: the decoder refuses them before validation. */
function portTypeErrors(
  containers: unknown[],
  at: Segments,
  found: { at: Segments; message: string }[],
): void {
  containers.forEach((item, ci) => {
    const ports = obj(item)?.['ports'];
    if (!Array.isArray(ports)) return;
    ports.forEach((p, pi) => {
      const port = obj(p);
      if (port === null) return;
      for (const [key, type] of [
        ['containerPort', 'int32'],
        ['hostPort', 'int32'],
        ['name', 'string'],
        ['protocol', 'v1.Protocol'],
      ] as const) {
        const value = port[key];
        const wrong =
          value !== undefined &&
          value !== null &&
          (type === 'int32'
            ? typeof value !== 'number' || !Number.isInteger(value)
            : typeof value !== 'string');
        if (!wrong) continue;
        const jsonPath = [...at, 'ports', key].filter((s): s is string => typeof s === 'string').join('.');
        const kind = typeof value === 'number' ? `number ${String(value)}` : goJsonKind(value);
        found.push({
          at: [...at, ci, 'ports', pi, key],
          message: `json: cannot unmarshal ${kind} into Go struct field ContainerPort.${jsonPath} of type ${type}`,
        });
      }
    });
  });
}

function validatePodSpecPorts(spec: Raw, at: Segments, isPod: boolean): Located[] {
  const errs: Located[] = [];
  for (const key of ['initContainers', 'containers'] as const) {
    const list = spec[key];
    if (!Array.isArray(list)) continue;
    list.forEach((c, ci) => {
      const ports = obj(c)?.['ports'];
      if (Array.isArray(ports)) errs.push(...validateContainerPorts(ports, [...at, key, ci, 'ports']));
    });
  }
  for (const key of ['containers', 'initContainers'] as const) {
    const list = spec[key];
    if (Array.isArray(list)) errs.push(...checkHostPortConflicts(list, [...at, key]));
  }
  // validatePodHostNetworkDeps: in a template hostPort may be left 0 (the Pod gets it defaulted).
  if (spec['hostNetwork'] === true && Array.isArray(spec['containers'])) {
    spec['containers'].forEach((c, ci) => {
      const ports = obj(c)?.['ports'];
      if (!Array.isArray(ports)) return;
      ports.forEach((p, pi) => {
        const port = obj(p);
        if (port === null) return;
        const containerPort = typeof port['containerPort'] === 'number' ? port['containerPort'] : 0;
        // v1 defaulting copies containerPort into an unset hostPort of a hostNetwork Pod.
        const hostPort =
          typeof port['hostPort'] === 'number' && port['hostPort'] !== 0
            ? port['hostPort']
            : isPod
              ? containerPort
              : 0;
        if (hostPort !== 0 && hostPort !== containerPort) {
          errs.push(
            invalid(
              [...at, 'containers', ci, 'ports', pi, 'hostPort'],
              goInt(hostPort),
              'must match `containerPort` when `hostNetwork` is true',
            ),
          );
        }
      });
    });
  }
  return errs;
}

/** A non-negative int field (ValidateNonnegativeField); absent or not a number is left alone. */
function nonNegative(value: unknown, at: Segments): Located[] {
  return typeof value === 'number' && value < 0 ? [invalid(at, goInt(value), MUST_BE_NONNEGATIVE)] : [];
}

/** apps/v1 SetDefaults_Deployment's strategy, then ValidateDeploymentStrategy. */
function validateDeploymentStrategy(spec: Raw): Located[] {
  const at: Segments = ['spec', 'strategy'];
  const strategy = obj(spec['strategy']) ?? {};
  const type =
    typeof strategy['type'] === 'string' && strategy['type'] !== '' ? strategy['type'] : 'RollingUpdate';
  const rollingUpdate = obj(strategy['rollingUpdate']);
  const hasRollingUpdate = strategy['rollingUpdate'] !== undefined && strategy['rollingUpdate'] !== null;
  if (type === 'Recreate') {
    return hasRollingUpdate
      ? [forbidden([...at, 'rollingUpdate'], "may not be specified when strategy `type` is 'Recreate'")]
      : [];
  }
  if (type !== 'RollingUpdate') {
    // The internal strategy struct printed with %#v; the pointer's address is the server's.
    const value: GoValue =
      `apps.DeploymentStrategy{Type:${goQuote(type)}, RollingUpdate:(*apps.RollingUpdateDeployment)` +
      `(${hasRollingUpdate ? '0x<address>' : 'nil'})}`;
    return [notSupported(at, value, ['Recreate', 'RollingUpdate'])];
  }
  const errs: Located[] = [];
  const ruAt: Segments = [...at, 'rollingUpdate'];
  const read = (key: string): number | string => {
    const v = rollingUpdate?.[key];
    return typeof v === 'number' || typeof v === 'string' ? v : DEFAULT_PERCENT;
  };
  const maxUnavailable = read('maxUnavailable');
  const maxSurge = read('maxSurge');
  const positiveIntOrPercent = (value: number | string, here: Segments): void => {
    if (typeof value === 'string') {
      for (const msg of isValidPercent(value)) errs.push(invalid(here, goIntOrString(value), msg));
    } else if (value < 0) errs.push(invalid(here, goInt(value), MUST_BE_NONNEGATIVE));
  };
  positiveIntOrPercent(maxUnavailable, [...ruAt, 'maxUnavailable']);
  positiveIntOrPercent(maxSurge, [...ruAt, 'maxSurge']);
  if (intOrPercentValue(maxUnavailable) === 0 && intOrPercentValue(maxSurge) === 0) {
    errs.push(
      invalid(
        [...ruAt, 'maxUnavailable'],
        goIntOrString(maxUnavailable),
        'may not be 0 when `maxSurge` is 0',
      ),
    );
  }
  if (typeof maxUnavailable === 'string' && isValidPercent(maxUnavailable).length === 0) {
    if (intOrPercentValue(maxUnavailable) > 100) {
      errs.push(
        invalid([...ruAt, 'maxUnavailable'], goIntOrString(maxUnavailable), 'must not be greater than 100%'),
      );
    }
  }
  return errs;
}

/** A ReplicationController's selector after v1 defaulting: the written map, or the template's labels when empty. */
export function replicationControllerSelector(spec: Record<string, unknown>): Record<string, string> {
  const strings = (value: unknown): Record<string, string> =>
    Object.fromEntries(
      Object.entries(obj(value) ?? {}).filter((e): e is [string, string] => typeof e[1] === 'string'),
    );
  const written = strings(spec['selector']);
  if (Object.keys(written).length > 0) return written;
  return strings(obj(obj(spec['template'])?.['metadata'])?.['labels']);
}

/**
 * ValidateDeploymentSpec / ValidateReplicaSetSpec / ValidateReplicationControllerSpec / ValidateStatefulSetSpec / ValidateDaemonSetSpec,
 * the parts on a Service's path, on the v1-defaulted object; then the pod spec's ports. For a Pod,
 * the ports only.
 */
function validateSpec(object: LoadedObject): {
  errors: Located[];
  decode: { at: Segments; message: string }[];
  /** Refused when the controller creates the pods, not on the workload's create (StatefulSet). */
  podErrors: Located[];
} {
  const errs: Located[] = [];
  const decode: { at: Segments; message: string }[] = [];
  const podErrors: Located[] = [];
  const spec = obj(object.raw['spec']) ?? {};
  if (object.kind === 'Pod') {
    for (const key of ['initContainers', 'containers'] as const) {
      const list = spec[key];
      if (Array.isArray(list)) portTypeErrors(list, ['spec', key], decode);
    }
    errs.push(...validatePodSpecPorts(spec, ['spec'], true));
    return { errors: errs, decode, podErrors };
  }
  if (!TEMPLATE_KINDS.has(object.kind)) return { errors: errs, decode, podErrors };
  const kind = object.kind;
  if (kind !== 'DaemonSet') {
    errs.push(...nonNegative(spec['replicas'], ['spec', 'replicas']));
  }
  if (kind === 'ReplicaSet' || kind === 'StatefulSet' || kind === 'ReplicationController') {
    errs.push(...nonNegative(spec['minReadySeconds'], ['spec', 'minReadySeconds']));
  }

  // Selector: required in apps/v1 (no defaulting from the template); ValidateDaemonSetSpec has
  // no Required check, only the template match below.
  const rawSelector = spec['selector'];
  const selectorObject = obj(rawSelector);
  let matches: ((labels: Record<string, string>) => boolean) | null;
  if (kind === 'ReplicationController') {
    // ValidateReplicationControllerSpec on the v1-defaulted object: a map selector, and
    // SetDefaults_ReplicationController makes an empty one the template's labels.
    const selector = replicationControllerSelector(spec);
    if (Object.keys(selector).length === 0) errs.push(required(['spec', 'selector']));
    matches =
      Object.keys(selector).length === 0
        ? null
        : (labels) => Object.entries(selector).every(([k, v]) => labels[k] === v);
  } else if (rawSelector === undefined || rawSelector === null) {
    if (kind !== 'DaemonSet') errs.push(required(['spec', 'selector']));
    // LabelSelectorAsSelector(nil) is labels.Nothing(): not empty, matches no labels.
    matches = () => false;
  } else if (selectorObject !== null) {
    errs.push(...validateLabelSelector(selectorObject, ['spec', 'selector']));
    const parsed = readLabelSelector(selectorObject);
    const terms =
      Object.keys(obj(selectorObject['matchLabels']) ?? {}).length +
      (Array.isArray(selectorObject['matchExpressions']) ? selectorObject['matchExpressions'].length : 0);
    const emptyMessage = EMPTY_SELECTOR[kind];
    if (terms === 0 && emptyMessage !== undefined) {
      // *metav1.LabelSelector prints with its (gogo-generated) String().
      errs.push(
        invalid(
          ['spec', 'selector'],
          '&LabelSelector{MatchLabels:map[string]string{},MatchExpressions:[]LabelSelectorRequirement{},}',
          emptyMessage,
        ),
      );
    }
    // An empty selector is labels.Everything(): the template check is skipped.
    matches = terms === 0 || parsed === null ? null : (labels) => labelSelectorMatches(parsed, labels);
  } else matches = null;

  const template = obj(spec['template']);
  if (template !== null) {
    const metadata = obj(template['metadata']) ?? {};
    const labels = obj(metadata['labels']) ?? {};
    const stringLabels = Object.fromEntries(
      Object.entries(labels).filter((e): e is [string, string] => typeof e[1] === 'string'),
    );
    if (matches !== null && !matches(stringLabels)) {
      errs.push(
        invalid(
          ['spec', 'template', 'metadata', 'labels'],
          goStringMap(stringLabels),
          '`selector` does not match template `labels`',
        ),
      );
    }
    const podSpec = obj(template['spec']) ?? {};
    const templateAt: Segments = ['spec', 'template', 'spec'];
    for (const key of ['initContainers', 'containers'] as const) {
      const list = podSpec[key];
      if (Array.isArray(list)) portTypeErrors(list, [...templateAt, key], decode);
    }
    const portErrors = validatePodSpecPorts(podSpec, templateAt, false);
    if (POD_TEMPLATE_SPEC_KINDS.has(kind)) errs.push(...portErrors);
    else {
      // ValidateStatefulSetSpec does not validate the pod spec (a TODO upstream): the StatefulSet
      // is accepted and each pod its controller creates is refused, at the pod's own paths.
      for (const e of portErrors) podErrors.push({ ...e, field: e.field.replace(/^spec\.template\./, '') });
    }
    if (POD_TEMPLATE_SPEC_KINDS.has(kind)) {
      const ephemeral = podSpec['ephemeralContainers'];
      if (Array.isArray(ephemeral) && ephemeral.length > 0) {
        errs.push(
          forbidden(
            [...templateAt, 'ephemeralContainers'],
            'ephemeral containers not allowed in pod template',
          ),
        );
      }
    }
    // v1 defaulting: an unset restartPolicy is Always; the controllers accept nothing else.
    const restartPolicy = podSpec['restartPolicy'];
    if (typeof restartPolicy === 'string' && restartPolicy !== '' && restartPolicy !== 'Always') {
      errs.push(notSupported([...templateAt, 'restartPolicy'], goString(restartPolicy), ['Always']));
    }
  }

  if (kind === 'DaemonSet') {
    errs.push(...nonNegative(spec['minReadySeconds'], ['spec', 'minReadySeconds']));
    errs.push(...nonNegative(spec['revisionHistoryLimit'], ['spec', 'revisionHistoryLimit']));
  }
  if (kind === 'Deployment') {
    errs.push(...validateDeploymentStrategy(spec));
    const minReady = typeof spec['minReadySeconds'] === 'number' ? spec['minReadySeconds'] : 0;
    errs.push(...nonNegative(spec['minReadySeconds'], ['spec', 'minReadySeconds']));
    errs.push(...nonNegative(spec['revisionHistoryLimit'], ['spec', 'revisionHistoryLimit']));
    // SetDefaults_Deployment: progressDeadlineSeconds 600 when unset.
    const deadline =
      typeof spec['progressDeadlineSeconds'] === 'number' ? spec['progressDeadlineSeconds'] : 600;
    errs.push(...nonNegative(deadline, ['spec', 'progressDeadlineSeconds']));
    if (deadline <= minReady) {
      errs.push(
        invalid(['spec', 'progressDeadlineSeconds'], goInt(deadline), 'must be greater than minReadySeconds'),
      );
    }
  }
  return { errors: errs, decode, podErrors };
}

/**
 * The workload fields on a Service's path as the API server checks them on create, as
 * diagnostics (`The Deployment "x" is invalid: <field>: <body>`), each on the offending field.
 * The object is still modelled as far as possible.
 */
export function validateWorkloadSpec(object: LoadedObject): Diagnostic[] {
  const { errors, decode, podErrors } = validateSpec(object);
  const version = object.apiVersion.slice(object.apiVersion.indexOf('/') + 1);
  const diagnostics: Diagnostic[] = decode.map((e) => ({
    range: rangeAt(object, e.at),
    severity: 'error',
    code: CODE,
    message: `${object.kind} in version ${JSON.stringify(version)} cannot be handled as a ${object.kind}: ${e.message}`,
  }));
  const hint = (e: Located): string =>
    e.type === 'Required' && e.field === 'spec.selector'
      ? ' (its pods are still modelled from the template)'
      : '';
  for (const e of errors) {
    diagnostics.push({
      range: e.onKey === true ? keyRangeAt(object, e.at) : rangeAt(object, e.at),
      severity: 'error',
      code: CODE,
      message: `The ${object.kind} ${JSON.stringify(object.name)} is invalid: ${renderFieldError(e)}${hint(e)}`,
    });
  }
  // The StatefulSet controller's FailedCreate event (stateful_pod_control.go recordPodEvent).
  const pod = `${object.name}-0`;
  for (const e of podErrors) {
    diagnostics.push({
      range: rangeAt(object, e.at),
      severity: 'error',
      code: CODE,
      message: `create Pod ${pod} in StatefulSet ${object.name} failed error: Pod ${JSON.stringify(pod)} is invalid: ${renderFieldError(e)}`,
    });
  }
  return diagnostics;
}
