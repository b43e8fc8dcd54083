// Command ids and arguments shared by the host's adapters and the analysis worker's answers
// (hover links, CodeLenses). No vscode, no engine.
import type { TraceRequest } from './traceText';

export const TRACE_COMMAND = 'kubepath.traceRequest';
export const SELECT_TARGET_COMMAND = 'kubepath.selectDeployTarget';

/** Arguments of `kubepath.traceRequest` when a hover or CodeLens names the service and port. */
export interface ServiceTraceArgs {
  /** Workspace folder URI (string), so multi-root workspaces trace in the right cluster. */
  folder?: string;
  namespace: string;
  name: string;
  port?: number;
  protocol?: string;
}

/**
 * Arguments of `kubepath.traceRequest` for an HTTP(S) request from the internet through a
 * Gateway or an ingress controller (an HTTPRoute rule's or Ingress path's CodeLens): what
 * `kubepath trace URL --method M --header 'K: V' --gateway NS/NAME` traces.
 */
export interface UrlTraceArgs {
  folder?: string;
  /** `http(s)://host[:port]/path[?query]`. */
  url: string;
  method?: string;
  headers?: [string, string][];
  /** `ns/name` of the Gateway the request is sent to. */
  gateway?: string;
}

export type TraceRequestArgs = ServiceTraceArgs | UrlTraceArgs;

/** The URL form of the arguments, checked for shape (arguments come from links and lenses). */
export function urlTraceArgsOf(value: unknown): UrlTraceArgs | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v['url'] !== 'string' || !/^https?:\/\//i.test(v['url'])) return undefined;
  const out: UrlTraceArgs = { url: v['url'] };
  if (typeof v['folder'] === 'string') out.folder = v['folder'];
  if (typeof v['method'] === 'string' && /^[A-Za-z]+$/.test(v['method'])) out.method = v['method'];
  if (typeof v['gateway'] === 'string') out.gateway = v['gateway'];
  const headers = v['headers'];
  if (Array.isArray(headers)) {
    out.headers = headers.flatMap((h): [string, string][] =>
      Array.isArray(h) && h.length === 2 && typeof h[0] === 'string' && typeof h[1] === 'string'
        ? [[h[0], h[1]]]
        : [],
    );
  }
  return out;
}

/** The worker's request for an HTTP(S) URL from the internet (an HTTPRoute rule's or Ingress path's example). */
export function urlTraceRequest(args: UrlTraceArgs): TraceRequest {
  return {
    target: args.url,
    from: { kind: 'internet' },
    ...(args.method ? { method: args.method } : {}),
    ...(args.headers && args.headers.length > 0 ? { headers: args.headers } : {}),
    ...(args.gateway ? { gateway: args.gateway } : {}),
  };
}
