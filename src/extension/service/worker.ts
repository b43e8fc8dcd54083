// Desktop / remote extension host: the analysis worker's entry point (dist/worker.js), a
// worker_threads Worker started by the host (nodeClient.ts).
import { parentPort } from 'node:worker_threads';
import { serve } from './serve';

const port = parentPort;
if (port) {
  serve(
    (message) => port.postMessage(message),
    (handle) => port.on('message', handle),
  );
}
