// `kubepath render <dir>`: what `helm template <dir>` prints for a chart, or what
// `kustomize build <dir>` prints for a kustomization, rendered by the engine's render stage
// over the real filesystem.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import type { BuildError, KustomizeFs } from '../../engine';
import {
  buildKustomization,
  DEFAULT_LOAD_LIMITS,
  formatHelmTemplate,
  KUSTOMIZATION_FILES,
  renderChart,
} from '../../engine';
import type { ParsedArgs } from '../args';
import { listFlag, parseArgs, stringFlag } from '../args';
import type { CommandHelp } from '../help';
import type { CliIO } from '../io';
import { EXIT_FINDINGS, EXIT_OK, UsageError } from '../io';
import { readRegularFile } from '../readFile';

export const RENDER_USAGE =
  'kubepath render <dir> [--values FILE]… [--set K=V]… [--set-string K=V]… [--set-json K=JSON]… [--set-file K=FILE]… [--release NAME] [--namespace NS] [--kube-version X.Y] [--api-versions G/V]… [--include-crds] [--skip-tests] [--show-only PATH]… | [--load-restrictor rootOnly|none]';

const HELM_VALUE_FLAGS = [
  'values',
  'set',
  'set-string',
  'set-json',
  'set-file',
  'release',
  'namespace',
  'kube-version',
  'api-versions',
  'show-only',
];
const HELM_BOOL_FLAGS = ['include-crds', 'skip-tests'];
const HELM_ONLY = [...HELM_VALUE_FLAGS, ...HELM_BOOL_FLAGS];

export const RENDER_HELP: CommandHelp = {
  usage: RENDER_USAGE,
  summary:
    "Prints what `helm template <dir>` prints for a chart directory (Helm v3.21, client-only: release `release-name`, namespace `default`, Kubernetes v1.20.0 unless told otherwise; lookup returns nothing), or what `kustomize build <dir>` prints for a kustomization directory (kustomize v5, its default legacy output order). Both are rendered by kubepath itself: no helm or kustomize binary is run and nothing is fetched (chart dependencies must be in charts/; remote bases and helmCharts are left out with a note on stderr). A render error is printed in the tool's wording (Helm: `Error: …` with template:line:col; kustomize: one line with file:line), exit 1.",
  options: [
    { flag: '--values', value: 'FILE', description: 'a Helm values file (repeatable; later files win)' },
    { flag: '--set', value: 'K=V', description: 'a Helm value, as helm --set parses it (repeatable)' },
    { flag: '--set-string', value: 'K=V', description: 'a Helm value kept a string (repeatable)' },
    { flag: '--set-json', value: 'K=JSON', description: 'a Helm value given as JSON (repeatable)' },
    { flag: '--set-file', value: 'K=FILE', description: 'a Helm value read from a file (repeatable)' },
    { flag: '--release', value: 'NAME', description: 'the release name', default: 'release-name' },
    { flag: '--namespace', value: 'NS', description: 'the release namespace', default: 'default' },
    {
      flag: '--kube-version',
      value: 'X.Y',
      description: '.Capabilities.KubeVersion for the chart',
      default: 'v1.20.0 (as helm template)',
    },
    {
      flag: '--api-versions',
      value: 'G/V',
      description: 'an API version .Capabilities.APIVersions.Has reports (repeatable)',
    },
    { flag: '--include-crds', description: "print the charts' crds/ files first" },
    { flag: '--skip-tests', description: 'leave out test hooks (helm.sh/hook: test)' },
    {
      flag: '--show-only',
      value: 'PATH',
      description: 'only the manifests of this template (`templates/x.yaml`, globs allowed; repeatable)',
    },
    {
      flag: '--load-restrictor',
      value: 'rootOnly|none',
      description: 'whether a kustomization may read files outside its own directory',
      default: 'rootOnly (as kustomize)',
    },
  ],
  examples: [
    'kubepath render charts/web --values prod.yaml --set image.tag=1.2.3',
    'kubepath render overlays/prod',
    'kubepath render overlays/prod --load-restrictor none',
  ],
};

/** The real filesystem as the render stage reads it: absolute paths, regular files only. */
function realFs(): KustomizeFs {
  const max = DEFAULT_LOAD_LIMITS.maxFileBytes;
  const read = (path: string, decoding: 'manifest' | 'binary'): string | undefined => {
    const r = readRegularFile(path, max, decoding);
    return r.ok ? r.text : undefined;
  };
  return {
    readFile: (path) => read(path, 'manifest'),
    readBinary: (path) => read(path, 'binary'),
    listDir: (path) => {
      try {
        return readdirSync(path).sort();
      } catch {
        return [];
      }
    },
    exists: (path) => existsSync(path),
    isDir: (path) => {
      try {
        return statSync(path).isDirectory();
      } catch {
        return false;
      }
    },
  };
}

function where(cwd: string, e: BuildError): string {
  const rel = relative(cwd, e.file);
  const file = (rel.startsWith('..') || rel === '' ? e.file : rel).split(sep).join('/');
  return `${file}${e.line !== undefined ? `:${e.line}` : ''}`;
}

export function renderCommand(argv: string[], io: CliIO): number {
  const args = parseArgs(argv, ['load-restrictor', ...HELM_VALUE_FLAGS], HELM_BOOL_FLAGS);
  const [dirArg, ...extra] = args.positionals;
  if (dirArg === undefined) throw new UsageError(`missing directory\nusage: ${RENDER_USAGE}`);
  if (extra.length > 0) throw new UsageError(`render takes one directory, got ${args.positionals.length}`);
  const dir = resolve(io.cwd, dirArg);
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    throw new UsageError(`cannot read ${dirArg}: no such file or directory`);
  }
  if (!isDir) throw new UsageError(`${dirArg} is not a directory`);
  const hasKustomization = KUSTOMIZATION_FILES.some((f) => existsSync(join(dir, f)));
  if (!hasKustomization) {
    if (existsSync(join(dir, 'Chart.yaml'))) return renderHelmChart(dir, args, io);
    throw new UsageError(
      `${dirArg} has no kustomization.yaml, kustomization.yml, Kustomization or Chart.yaml`,
    );
  }
  const helmFlag = HELM_ONLY.find((f) => args.flags.has(f));
  if (helmFlag !== undefined)
    throw new UsageError(`--${helmFlag} applies to Helm charts; ${dirArg} is a kustomization`);
  const restrictor = stringFlag(args, 'load-restrictor') ?? 'rootOnly';
  if (restrictor !== 'rootOnly' && restrictor !== 'none') {
    throw new UsageError(`--load-restrictor ${restrictor}: expected rootOnly or none`);
  }
  // `kustomize build` passes an unspecified order: the legacy sort unless sortOptions says otherwise.
  const result = buildKustomization(realFs(), dir, { loadRestrictions: restrictor, reorder: 'unspecified' });
  if (!result.ok) {
    io.stderr(`kubepath render: ${where(io.cwd, result.error)}: ${result.error.message}\n`);
    return EXIT_FINDINGS;
  }
  for (const n of result.notes) io.stderr(`${where(io.cwd, n)}: note: ${n.message}\n`);
  io.stdout(result.yaml);
  return EXIT_OK;
}

/** `helm template <dir>` with the flags given; Helm's `Error: …` and exit 1 on a render error. */
function renderHelmChart(dir: string, args: ParsedArgs, io: CliIO): number {
  if (args.flags.has('load-restrictor')) throw new UsageError('--load-restrictor applies to kustomizations');
  const read = (file: string): string => {
    const r = readRegularFile(resolve(io.cwd, file), DEFAULT_LOAD_LIMITS.maxFileBytes, 'text');
    if (!r.ok) throw new UsageError(`cannot read ${file}: ${r.reason}`);
    return r.text;
  };
  const result = renderChart(realFs(), dir, {
    releaseName: stringFlag(args, 'release'),
    namespace: stringFlag(args, 'namespace'),
    valuesFiles: listFlag(args, 'values').map((name) => ({ name, text: read(name) })),
    set: listFlag(args, 'set'),
    setString: listFlag(args, 'set-string'),
    setJson: listFlag(args, 'set-json'),
    setFile: listFlag(args, 'set-file'),
    readFile: (path) => {
      const r = readRegularFile(resolve(io.cwd, path), DEFAULT_LOAD_LIMITS.maxFileBytes, 'text');
      return r.ok ? r.text : undefined;
    },
    kubeVersion: stringFlag(args, 'kube-version'),
    apiVersions: listFlag(args, 'api-versions'),
  });
  for (const note of result.notes) io.stderr(`note: ${note}\n`);
  const out = formatHelmTemplate(result, {
    includeCrds: args.flags.has('include-crds'),
    skipTests: args.flags.has('skip-tests'),
    showOnly: listFlag(args, 'show-only'),
  });
  io.stdout(out.stdout);
  if (out.error !== undefined) {
    io.stderr(out.error);
    return EXIT_FINDINGS;
  }
  return EXIT_OK;
}
