// The web host's analysis worker: a Web Worker running dist/web/worker.js (the web extension
// host supports nested workers).
import type { WorkerPort } from './analysisClient';

interface WebWorker {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  addEventListener(type: 'error', listener: (event: { message?: string }) => void): void;
  terminate(): void;
}

type WebWorkerConstructor = new (url: string, options?: { name?: string }) => WebWorker;

export function webWorkerPort(scriptUrl: string): () => WorkerPort {
  return () => {
    const Ctor = (globalThis as { Worker?: WebWorkerConstructor }).Worker;
    if (!Ctor) throw new Error('this extension host cannot start a Web Worker for the analysis');
    const worker = new Ctor(scriptUrl, { name: 'kubepath analysis' });
    return {
      post: (message) => worker.postMessage(message),
      listen(onMessage, onFailure) {
        worker.addEventListener('message', (event) => onMessage(event.data));
        worker.addEventListener('error', (event) => onFailure(event.message ?? 'worker error'));
      },
      terminate: () => worker.terminate(),
    };
  };
}
