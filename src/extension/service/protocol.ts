// The one protocol between the extension host and the analysis worker. The worker owns the
// analyzers and every Analysis; the host sends file changes and questions, and receives
// plain data (structured-clone safe: no functions, no class instances). No vscode here.
import type {
  Analysis,
  DeployTarget,
  HelmTargetOptions,
  ProfileCompletion,
  WorkspaceFile,
  WorkspaceInput,
} from '../../engine';
import type { Diagnostic, ProxyMode, SourceRange } from '../../engine/model';
import type { Selection, Snapshot } from '../../../webview/protocol';
import type { TraceRequestArgs } from '../commands';
import type { EntryPoint, TraceRequest } from '../traceText';

/**
 * Files of a folder changed: only what differs from what the worker already holds. The host
 * sends a large change as several of these (the host's thread never serialises megabytes
 * at once), then an AnalyzeRequest.
 */
export interface FilesRequest {
  op: 'files';
  /** The workspace folder's URI (string): the worker keeps one analyzer per folder. */
  folder: string;
  /** True: the worker forgets the files it held first (a new worker, a reloaded folder). */
  full: boolean;
  set: WorkspaceFile[];
  delete: string[];
}

/** Analyse the folder's files as the worker now holds them. */
export interface AnalyzeRequest {
  op: 'analyze';
  folder: string;
  /** True: the host holds none of the folder's diagnostics (send them all, not a difference). */
  full: boolean;
  profile: WorkspaceFile | null;
  limits: NonNullable<WorkspaceInput['limits']>;
  target?: string;
  helm?: HelmTargetOptions;
}

/** A 1-based position in a folder-relative file. */
export interface FilePosition {
  folder: string;
  path: string;
  line: number;
  column: number;
}

/** Pod labels and port names offered while typing a selector or a targetPort. */
export interface CompletionSiteArg {
  kind: 'selectorKey' | 'selectorValue' | 'targetPort';
  key?: string;
}

export type ServiceRequest =
  | FilesRequest
  | AnalyzeRequest
  | { op: 'services'; folder: string }
  | { op: 'forget'; folder: string }
  | ({ op: 'hover'; kubeProxyMode: ProxyMode | null } & FilePosition)
  | { op: 'lenses'; folder: string; path: string }
  | ({ op: 'locations' } & FilePosition)
  | { op: 'completions'; folder: string; site: CompletionSiteArg; namespace: string }
  /** Completion in a `kubepath.cluster.yaml` (any one, active or not): from its text alone. */
  | { op: 'profileCompletions'; text: string; offset: number }
  /** Hover in a `kubepath.cluster.yaml`: `file` names it in messages; 1-based position. */
  | { op: 'profileHover'; file: string; text: string; line: number; column: number }
  /** The loader's findings on a `kubepath.cluster.yaml` no folder analyses. */
  | { op: 'profileDiagnostics'; file: string; text: string }
  | {
      op: 'panel';
      /** Folder URI → the name the panel shows ('' when there is one folder). */
      folders: { folder: string; name: string }[];
      selection: Selection | null;
      status: string;
      /** The editor's cursor: folder URI, folder-relative path, 1-based line. */
      cursor?: { folder: string; path: string; line: number } | null;
      /** The Service the panel last followed the cursor to. */
      followed?: string | null;
    }
  | {
      op: 'rules';
      folder: string;
      node: string;
      mode: ProxyMode;
      /** How the header names the profile (its path, or the built-in one). */
      profileLabel: string;
    }
  | {
      op: 'rendered';
      folder: string;
      dir: string;
      helm: HelmTargetOptions;
      /** One template of a chart alone (`helm template --show-only`). */
      showOnly?: string;
    }
  | { op: 'entryPoints'; folder: string; namespace: string; name: string; portKey: string }
  | { op: 'pods'; folder: string }
  | { op: 'trace'; folder: string; request: TraceRequest }
  | { op: 'references'; path: string; text: string };

/** A Service as pickers and commands on the host need it. */
export interface ServiceBrief {
  namespace: string;
  name: string;
  type: string;
  clusterIP: string;
  file: string;
  ports: { key: string; name: string; protocol: string; port: number; targetPort: string }[];
}

/** What the host keeps of a folder's analysis: small, plain, enough for every synchronous need. */
export interface FolderSummary {
  /**
   * The diagnostics of each file whose findings changed since the last summary (an empty
   * list: none any more); every file with findings when `full`. They travel as JSON texts of
   * about `DIAGNOSTIC_PIECE_CHARS` each (`DiagnosticPiece`, `diagnosticPieces`): strings are
   * copied, not walked, when the message is received, so a summary with tens of thousands of
   * findings costs the host's thread one piece's parse at a time (`applyDiagnostics`), never
   * one long structured clone.
   */
  diagnostics: { full: boolean; pieces: string[] };
  counts: { errors: number; warnings: number; diagnostics: number };
  serviceCount: number;
  podCount: number;
  profile: {
    nodes: { name: string; ips: string[] }[];
    kubeProxyMode: ProxyMode;
    serviceCIDR: string;
    kubernetesVersion: string;
  };
  deployTargets: Analysis['deployTargets'];
}

export interface HoverAnswer {
  markdown: string;
  /** Which command links the markdown carries (the host trusts only these). */
  commands: string[];
}

/** A hover in the cluster profile: its Markdown and the key or value it is about (1-based). */
export interface ProfileHoverAnswer {
  markdown: string;
  range: SourceRange;
}

export interface LensAnswer {
  /** 0-based line. */
  line: number;
  title: string;
  /** null: a lens that only informs (a shadowed rule has no request to trace). */
  args: TraceRequestArgs | null;
}

export interface CompletionAnswer {
  label: string;
  detail: string;
  insert?: string;
}

export interface PodBrief {
  namespace: string;
  name: string;
  podIP: string;
  nodeName: string;
}

/**
 * `summary`: the trace in one screen (what `kubepath trace` prints); `text`: every hop of every
 * branch (`kubepath trace --verbose`).
 */
export type TraceAnswer =
  | {
      ok: true;
      text: string;
      summary: string;
      from: string;
      outcome: string;
      /** The Service the L7 hop (Gateway, Ingress) chose, when the target is an HTTP(S) URL. */
      backend?: { namespace: string; name: string; port: number } | null;
    }
  | { ok: false; message: string };

export interface RulesAnswer {
  /** The document text, header included. */
  text: string;
  lines: number;
  ms: number;
}

/** Each request's answer. */
export interface ServiceAnswers {
  files: null;
  services: ServiceBrief[];
  analyze: { summary: FolderSummary; ms: number } | { cancelled: true };
  forget: null;
  hover: HoverAnswer | null;
  lenses: LensAnswer[];
  locations: SourceRange[];
  completions: CompletionAnswer[];
  profileCompletions: ProfileCompletion[];
  profileHover: ProfileHoverAnswer | null;
  profileDiagnostics: Diagnostic[];
  panel: Snapshot;
  rules: RulesAnswer;
  rendered: { text: string; error?: string } | null;
  entryPoints: EntryPoint[];
  pods: PodBrief[];
  trace: TraceAnswer;
  references: string[];
}

export type AnswerOf<R extends ServiceRequest> = ServiceAnswers[R['op']];

/** Host → worker. */
export interface RequestMessage {
  id: number;
  request: ServiceRequest;
}

/** Worker → host. */
export type ResponseMessage =
  { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };

/** How the side panel names a Service: `<folder name>|<namespace>/<name>`. */
export function serviceIdOf(folder: string, namespace: string, name: string): string {
  return `${folder}|${namespace}/${name}`;
}

/** A deploy target's folder-relative directory as documents name it ('.' for the folder). */
export function targetDirName(target: DeployTarget): string {
  return target.dir === '' ? '.' : target.dir;
}

/** One piece of a summary's diagnostics, parsed: the files in the order the worker sent them. */
export type DiagnosticPiece = [file: string, diagnostics: Diagnostic[]][];

/** About how many characters of JSON one piece of a summary's diagnostics holds. */
export const DIAGNOSTIC_PIECE_CHARS = 128 * 1024;

/**
 * Joins each file's diagnostics (already JSON: `[file, json of Diagnostic[]]`) into pieces of
 * about `maxChars` characters, each the JSON of a `DiagnosticPiece`; a file is never split.
 */
export function diagnosticPieces(
  files: Iterable<readonly [file: string, json: string]>,
  maxChars = DIAGNOSTIC_PIECE_CHARS,
): string[] {
  const pieces: string[] = [];
  let parts: string[] = [];
  let size = 0;
  for (const [file, json] of files) {
    const entry = `[${JSON.stringify(file)},${json}]`;
    if (parts.length > 0 && size + entry.length > maxChars) {
      pieces.push(`[${parts.join(',')}]`);
      parts = [];
      size = 0;
    }
    parts.push(entry);
    size += entry.length + 1;
  }
  if (parts.length > 0) pieces.push(`[${parts.join(',')}]`);
  return pieces;
}

/** A piece as `diagnosticPieces` wrote it. */
export function parseDiagnosticPiece(piece: string): DiagnosticPiece {
  return JSON.parse(piece) as DiagnosticPiece;
}
