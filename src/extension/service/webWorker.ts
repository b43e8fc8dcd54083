// Web extension host (vscode.dev, github.dev): the analysis worker's entry point
// (dist/web/worker.js), a Web Worker started by the host (webClient.ts).
import { serve } from './serve';

interface WorkerScope {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
}

const scope = globalThis as unknown as WorkerScope;
serve(
  (message) => scope.postMessage(message),
  (handle) => scope.addEventListener('message', (event) => handle(event.data)),
);
