// Child process of `npm run bench` (f): analyses a generated workspace inside a V8 heap
// capped with --max-old-space-size. Finishing proves the analysis never needed more heap
// than the cap, which a sampled heapUsed (a lower bound of the peak) cannot.
import { getHeapStatistics } from 'node:v8';
import { analyzeWorkspace } from '../src/engine';
import { generateWorkspace } from './generate';

const MB = 2 ** 20;
const pairs = Number(process.argv[2] ?? '10000');
const ws = generateWorkspace(pairs);
const t0 = performance.now();
const analysis = analyzeWorkspace({ files: ws.files, profile: ws.profile });
const ms = performance.now() - t0;
process.stdout.write(
  JSON.stringify({
    pairs,
    services: analysis.services.length,
    pods: analysis.pods.length,
    ms,
    heapLimitMB: getHeapStatistics().heap_size_limit / MB,
    heapUsedMB: process.memoryUsage().heapUsed / MB,
  }) + '\n',
);
