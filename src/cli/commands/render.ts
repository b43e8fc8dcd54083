// `kubepath render <dir>`: what `kustomize build <dir>` prints, built by the engine's
// kustomize render stage over the real filesystem. Helm charts are not rendered yet and
// say so.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import type { BuildError, KustomizeFs } from '../../engine';
import { buildKustomization, DEFAULT_LOAD_LIMITS, KUSTOMIZATION_FILES } from '../../engine';
import { parseArgs, stringFlag } from '../args';
import type { CommandHelp } from '../help';
import type { CliIO } from '../io';
import { EXIT_FINDINGS, EXIT_OK, UsageError } from '../io';
import { readRegularFile } from '../readFile';

export const RENDER_USAGE = 'kubepath render <dir> [--load-restrictor rootOnly|none]';

const HELM_ONLY = ['values', 'set', 'release', 'namespace', 'kube-version', 'api-versions'];

export const RENDER_HELP: CommandHelp = {
  usage: RENDER_USAGE,
  summary:
    'Prints what `kustomize build <dir>` prints for a kustomization directory (kustomize v5, its default legacy output order), built by kubepath itself: no kustomize binary is run and nothing is fetched (remote bases and helmCharts are left out with a note on stderr). A render error is one line with file:line, exit 1. Helm charts (a directory with Chart.yaml) are not rendered yet and say so.',
  options: [
    {
      flag: '--load-restrictor',
      value: 'rootOnly|none',
      description: 'whether a kustomization may read files outside its own directory',
      default: 'rootOnly (as kustomize)',
    },
  ],
  examples: ['kubepath render overlays/prod', 'kubepath render overlays/prod --load-restrictor none'],
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
  const args = parseArgs(argv, ['load-restrictor', ...HELM_ONLY], []);
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
    if (existsSync(join(dir, 'Chart.yaml'))) {
      io.stderr(
        `kubepath render: ${dirArg} is a Helm chart; rendering charts is not modelled yet (Go's text/template is in the engine, Sprig and Helm's functions are not): nothing rendered\n`,
      );
      return EXIT_FINDINGS;
    }
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
