// The analysis worker's message loop, shared by the desktop (worker_threads) and web (Web
// Worker) entry points: each request is answered by the AnalysisService, errors become
// error responses (the host logs them), never a dead worker.
import { AnalysisService } from './analysisService';
import type { RequestMessage, ResponseMessage } from './protocol';

export function serve(
  post: (message: ResponseMessage) => void,
  onMessage: (handle: (data: unknown) => void) => void,
): void {
  const service = new AnalysisService({
    // A macrotask turn between slices: requests that arrived meanwhile (a newer edit, a
    // hover) are received before the next slice.
    pause: () => new Promise((resolve) => setTimeout(resolve, 0)),
  });
  onMessage((data) => {
    if (!isRequestMessage(data)) return;
    service.handle(data.request).then(
      (value) => post({ id: data.id, ok: true, value }),
      (error: unknown) =>
        post({
          id: data.id,
          ok: false,
          error: error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : String(error),
        }),
    );
  });
}

function isRequestMessage(data: unknown): data is RequestMessage {
  if (typeof data !== 'object' || data === null) return false;
  const m = data as { id?: unknown; request?: { op?: unknown } };
  return typeof m.id === 'number' && typeof m.request === 'object' && typeof m.request.op === 'string';
}
