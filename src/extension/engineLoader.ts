import type { Analysis } from '../engine';
import type * as EngineApi from './engineApi';
import type { RequestTrace } from '../engine/trace/request';
import type { TraceRequest } from './traceText';
import type { Analyzer } from './analyzeInSlices';

// The one place the extension's analysis modules bind to engine entry points. They run in
// the analysis worker (service/), never on the extension host's thread: the host bundles
// hold no engine (a bundle test checks it).

let loaded: typeof EngineApi | undefined;

/**
 * The engine, loaded on first use (the worker bundles inline engineApi.ts; evaluated on this
 * first call).
 */
export function engine(): typeof EngineApi {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred on purpose: see above
  loaded ??= require('./engineApi') as typeof EngineApi;
  return loaded;
}

/**
 * One incremental analyzer per workspace folder: only files whose text changed are
 * parsed again, and per-object work of unchanged files is reused. Same result as
 * `analyzeWorkspace`.
 */
export function createFolderAnalyzer(): Analyzer {
  let incremental = engine().createWorkspaceAnalyzer();
  let limits = '';
  return {
    update(input) {
      // Changed limits change what every file yields: start afresh.
      const wantedLimits = JSON.stringify(input.limits ?? {});
      if (wantedLimits !== limits) {
        limits = wantedLimits;
        incremental = engine().createWorkspaceAnalyzer(input.limits ? { limits: input.limits } : {});
      }
      const wanted = new Set(input.files.map((f) => f.path));
      for (const path of incremental.paths()) if (!wanted.has(path)) incremental.deleteFile(path);
      for (const file of input.files) incremental.setFile(file.path, file.text, file.unreadable);
      incremental.setProfile(input.profile ?? null);
      incremental.setTarget(input.target);
      incremental.setHelm(input.helm);
    },
    loadSome: (stop) => incremental.loadSome(stop),
    analyze: () => incremental.analyze(),
  };
}

/** The engine's request tracer (DNS → LB → node → iptables → pod) for one request of the Trace command. */
export const traceFor = (analysis: Analysis, request: TraceRequest): RequestTrace =>
  engine().traceRequest(analysis, request.target, {
    ...(request.from ? { from: request.from } : {}),
    ...(request.node ? { node: request.node } : {}),
    ...(request.protocol ? { protocol: request.protocol } : {}),
    ...(request.method ? { method: request.method } : {}),
    ...(request.headers ? { headers: request.headers } : {}),
    ...(request.gateway ? { gateway: request.gateway } : {}),
  });
