// Command ids and arguments shared by the host's adapters and the analysis worker's answers
// (hover links, CodeLenses). No vscode, no engine.

export const TRACE_COMMAND = 'kubepath.traceRequest';
export const SELECT_TARGET_COMMAND = 'kubepath.selectDeployTarget';

/** Arguments of `kubepath.traceRequest` when a hover or CodeLens names the service and port. */
export interface TraceRequestArgs {
  /** Workspace folder URI (string), so multi-root workspaces trace in the right cluster. */
  folder?: string;
  namespace: string;
  name: string;
  port?: number;
  protocol?: string;
}
