// Incremental node-port allocation: when one Service changes only the port numbers its
// hashed node ports are keyed by, reallocateNodePorts gives what running every allocator
// again gives (replaying the picks that move in turn), or declines, and leaves the trace
// and the allocator as a fresh run would.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { loadYamlFile } from '../../src/engine/load';
import {
  admitService,
  allocateAll,
  createAllocators,
  explicitAllocationSignature,
  reallocateNodePorts,
} from '../../src/engine/reconcile/apiserver';
import type { NodePortTrace } from '../../src/engine/reconcile/apiserver';
import type { AllocationRequest } from '../../src/engine/reconcile/apiserver/allocation';

const RANGE = { min: 30000, max: 30024 };

interface ServiceShape {
  name: string;
  type: 'NodePort' | 'LoadBalancer';
  local: boolean;
  ports: { port: number; protocol: 'TCP' | 'UDP'; nodePort: number }[];
}

const shape: fc.Arbitrary<ServiceShape> = fc.record({
  name: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'),
  type: fc.constantFrom('NodePort' as const, 'LoadBalancer' as const),
  local: fc.boolean(),
  ports: fc.array(
    fc.record({
      port: fc.constantFrom(53, 80, 81, 443, 8080),
      protocol: fc.constantFrom('TCP' as const, 'UDP' as const),
      nodePort: fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, fc.integer({ min: 29999, max: 30026 })),
    }),
    { minLength: 1, maxLength: 3 },
  ),
});

function yaml(s: ServiceShape): string {
  const ports = s.ports
    .map(
      (p, i) =>
        `    - name: p${i}\n      port: ${p.port}\n      protocol: ${p.protocol}${p.nodePort ? `\n      nodePort: ${p.nodePort}` : ''}`,
    )
    .join('\n');
  return `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${s.name}\nspec:\n  type: ${s.type}\n${s.local ? '  externalTrafficPolicy: Local\n' : ''}  selector: {app: x}\n  ports:\n${ports}\n`;
}

function requestsOf(shapes: ServiceShape[]): AllocationRequest[] {
  const families = createAllocators('10.96.0.0/16', RANGE).families;
  return shapes.map((s, i) => {
    const [object] = loadYamlFile(`s${i}.yaml`, yaml(s)).objects;
    assert.ok(object);
    return admitService(object, families).request;
  });
}

function emptyTrace(): NodePortTrace {
  return { rank: [], picks: [], owner: new Map(), blockedBy: new Map(), reusable: false };
}

function traceJson(t: NodePortTrace): string {
  return JSON.stringify({
    rank: t.rank,
    picks: t.picks,
    owner: [...t.owner].sort((a, b) => a[0] - b[0]),
    blockedBy: [...t.blockedBy]
      .map(([port, who]) => [port, [...who].sort((a, b) => a - b)] as const)
      .filter(([, who]) => who.length > 0)
      .sort((a, b) => a[0] - b[0]),
  });
}

void test('reallocateNodePorts equals a fresh allocation of every Service, or declines', () => {
  let reallocated = 0;
  let declined = 0;
  let cascaded = 0;
  fc.assert(
    fc.property(
      fc.array(shape, { minLength: 1, maxLength: 12 }),
      fc.nat(),
      fc.array(fc.constantFrom(53, 80, 81, 443, 8080, 9000, 9001), { minLength: 3, maxLength: 3 }),
      (shapes, pick, newPorts) => {
        const x = pick % shapes.length;
        const before = requestsOf(shapes);
        // The same Service with other port numbers, where that keeps its explicit requests.
        const changed = shapes.map((s, i) =>
          i === x ? { ...s, ports: s.ports.map((p, k) => ({ ...p, port: newPorts[k] ?? p.port })) } : s,
        );
        const after = requestsOf(changed);
        const request = after[x] as AllocationRequest;
        fc.pre(
          explicitAllocationSignature(request) ===
            explicitAllocationSignature(before[x] as AllocationRequest),
        );

        const trace = emptyTrace();
        const allocators = createAllocators('10.96.0.0/16', RANGE);
        const old = allocateAll(before, allocators, trace);
        const nodePorts = allocators.nodePorts.clone();
        const changes = reallocateNodePorts(trace, nodePorts, x, request, old);

        const freshTrace = emptyTrace();
        const freshAllocators = createAllocators('10.96.0.0/16', RANGE);
        const fresh = allocateAll(after, freshAllocators, freshTrace);
        if (changes === null) {
          declined++;
          return;
        }
        reallocated++;
        if (changes.size > 1) cascaded++;
        for (const [i, r] of fresh.entries()) assert.deepEqual(changes.get(i) ?? old[i], r, `request ${i}`);
        assert.equal(traceJson(trace), traceJson(freshTrace));
        for (let port = RANGE.min; port <= RANGE.max; port++) {
          assert.equal(nodePorts.has(port), freshAllocators.nodePorts.has(port), `port ${port}`);
        }
      },
    ),
    { numRuns: 400, seed: 9 },
  );
  assert.ok(reallocated > 50, `reallocated ${reallocated}`);
  assert.ok(cascaded > 10, `cascaded ${cascaded}`);
  assert.ok(declined > 0, `declined ${declined}`);
});
