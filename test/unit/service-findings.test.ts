// serviceFindings: the findings inside one Service's document (what explains a REJECT in the panel).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { analyzeWorkspace, serviceFindings } from '../../src/engine';

const root = path.resolve(__dirname, '../../..');

function nginx(edit: (text: string) => string) {
  const dir = path.join(root, 'examples/nginx');
  const files = fs.readdirSync(dir).map((f) => {
    const text = fs.readFileSync(path.join(dir, f), 'utf8');
    return { path: `examples/nginx/${f}`, text: f === 'service.yaml' ? edit(text) : text };
  });
  return analyzeWorkspace({ files });
}

void test('a selector typo is the Service finding, with its quick fix; a correct Service has none', () => {
  const typo = nginx((t) => t.replace(/app: nginx/, 'app: ngnix'));
  const service = typo.services.find((s) => s.service.metadata.name === 'nginx');
  assert.ok(service);
  const findings = serviceFindings(typo, service);
  assert.deepEqual(
    findings.map((d) => d.code),
    ['service-selector-no-match'],
  );
  assert.match(findings[0]?.message ?? '', /did you mean app=nginx/);
  assert.ok((findings[0]?.fixes ?? []).some((f) => f.title === 'Change selector to app=nginx'));
  const fine = nginx((t) => t);
  const ok = fine.services.find((s) => s.service.metadata.name === 'nginx');
  assert.ok(ok);
  assert.deepEqual(serviceFindings(fine, ok), []);
});
