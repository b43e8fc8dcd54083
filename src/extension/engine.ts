import { createWorkspaceAnalyzer } from '../engine';
import { traceRequest } from '../engine/trace/request';
import type { Analysis } from '../engine';
import type { RequestTrace } from '../engine/trace/request';
import type { TraceRequest } from './traceText';
import type { Analyzer } from './workspaceModel';

// The one place the extension binds to engine entry points.

/**
 * One incremental analyzer per workspace folder: only files whose text changed are
 * parsed again, and per-object work of unchanged files is reused. Same result as
 * `analyzeWorkspace`.
 */
export function createFolderAnalyzer(): Analyzer {
  let incremental = createWorkspaceAnalyzer();
  let limits = '';
  return (input) => {
    // Changed limits change what every file yields: start afresh.
    const wantedLimits = JSON.stringify(input.limits ?? {});
    if (wantedLimits !== limits) {
      limits = wantedLimits;
      incremental = createWorkspaceAnalyzer(input.limits ? { limits: input.limits } : {});
    }
    const wanted = new Set(input.files.map((f) => f.path));
    for (const path of incremental.paths()) if (!wanted.has(path)) incremental.deleteFile(path);
    for (const file of input.files) incremental.setFile(file.path, file.text);
    incremental.setProfile(input.profile ?? null);
    return incremental.analyze();
  };
}

export const analyzerFactory: (() => Analyzer) | undefined = createFolderAnalyzer;

/** The engine's request tracer (DNS → LB → node → iptables → pod). */
export const traceRunner: ((analysis: Analysis, request: TraceRequest) => RequestTrace) | undefined = (
  analysis,
  request,
) =>
  traceRequest(analysis, request.target, {
    ...(request.from ? { from: request.from } : {}),
    ...(request.node ? { node: request.node } : {}),
    ...(request.protocol ? { protocol: request.protocol } : {}),
  });
