// The words of a finished "Trace Request" on the host: the notification's one line and the
// read-only trace document (summary first, then every hop). Both are cut from the engine's
// own texts (`renderTraceSummary`, `renderTrace`, computed in the analysis worker); nothing
// here summarises a trace a second way. Pure: no vscode, no engine.

/** What the worker answers for a trace (service/protocol.ts TraceAnswer, ok). */
export interface TraceTexts {
  /** `kubepath trace`'s default text: shared hops, outcome, branches grouped by node and chains. */
  summary: string;
  /** `kubepath trace --verbose`: every hop of every branch. */
  text: string;
  from: string;
  outcome: string;
}

/** The summary's last line in the CLI points to a flag; in the document the hops follow it. */
const VERBOSE_POINTER = /\nevery hop of every branch: --verbose\n$/;

/** The summary's `outcome:` line without its label (`reached (9/9 branches, 100.0% …)`). */
export function outcomeOf(summary: string): string {
  const line = summary.split('\n').find((l) => l.startsWith('outcome: '));
  return line ? line.slice('outcome: '.length) : '';
}

/** The summary's branch groups (`via node-1 …: KUBE-SERVICES → …`), one per node and chain path. */
export function groupsOf(summary: string): string[] {
  return summary.split('\n').filter((l) => l.startsWith('via '));
}

/** The summary's branch lines that end without reaching a pod (`100.0%  rejected (REJECT): …`). */
function failedBranches(summary: string): string[] {
  return summary
    .split('\n')
    .filter((l) => /^ +\d+(\.\d+)?% {2}(rejected|dropped|no-route|accepted)\b/.test(l))
    .map((l) => l.trim());
}

/**
 * The notification: target, client and outcome from the summary, how many paths its branches
 * group into, and for a failure the first failed branch's reason (the summary's own line) or
 * the summary's first note.
 */
export function traceNotice(target: string, t: TraceTexts): string {
  const groups = groupsOf(t.summary).length;
  const failed = failedBranches(t.summary);
  const paths = groups > 1 ? `; ${groups} paths, grouped by node and kube-proxy chains` : '';
  // Without a failed branch (no branch at all: a ClusterIP from the internet), the summary's note says why.
  const note = t.summary.split('\n').find((l) => l.startsWith('note: '));
  const reason = failed[0] ?? note?.slice('note: '.length);
  const why = t.outcome === 'reached' || reason === undefined ? '' : `; ${reason}`;
  return `Kubepath: ${target} from ${t.from}: ${outcomeOf(t.summary) || t.outcome}${paths}${why}`;
}

/** The trace document: the summary, then the full hop list, each under a heading. */
export function traceDocumentText(t: TraceTexts): string {
  const summary = t.summary.replace(VERBOSE_POINTER, '\n');
  return [
    '# summary (what `kubepath trace` prints)',
    '',
    summary.trimEnd(),
    '',
    '',
    '# every hop of every branch (`kubepath trace --verbose`)',
    '',
    t.text.trimEnd(),
    '',
  ].join('\n');
}

/** The trace document's path: its title in the tab, no characters a path cannot hold. */
export function traceDocumentPath(target: string, from: string, serial: number): string {
  const clean = (s: string): string => s.replace(/[\\/?#%]+/g, '-').replace(/^-+|-+$/g, '');
  return `/trace ${clean(target)} from ${clean(from)}${serial > 1 ? ` (${serial})` : ''}.txt`;
}
