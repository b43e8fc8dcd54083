import type { Analysis } from '../engine';
import { analyzeWorkspace } from '../engine';
import type { RequestTrace, TraceRequest } from './traceText';
import type { Analyzer } from './workspaceModel';

// The one place the extension binds to engine entry points.
export const analyzer: Analyzer | undefined = analyzeWorkspace;

/** The engine's request tracer (DNS → LB → node → iptables → pod); undefined until it lands. */
export const traceRunner: ((analysis: Analysis, request: TraceRequest) => RequestTrace) | undefined =
  undefined;
