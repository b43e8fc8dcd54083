import { analyzeWorkspace } from '../engine';
import { traceRequest } from '../engine/trace/request';
import type { Analysis } from '../engine';
import type { RequestTrace } from '../engine/trace/request';
import type { TraceRequest } from './traceText';
import type { Analyzer } from './workspaceModel';

// The one place the extension binds to engine entry points.
export const analyzer: Analyzer | undefined = analyzeWorkspace;

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
