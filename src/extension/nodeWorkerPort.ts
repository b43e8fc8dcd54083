// The desktop / remote host's analysis worker: a worker_threads Worker running dist/worker.js.
import { Worker } from 'node:worker_threads';
import type { WorkerPort } from './analysisClient';

export function nodeWorkerPort(script: string): () => WorkerPort {
  return () => {
    const worker = new Worker(script);
    return {
      post: (message) => worker.postMessage(message),
      listen(onMessage, onFailure) {
        worker.on('message', onMessage);
        worker.on('error', (error) => onFailure(error instanceof Error ? error.message : String(error)));
        worker.on('exit', (code) => onFailure(`exited with code ${code}`));
      },
      terminate: () => void worker.terminate(),
    };
  };
}
