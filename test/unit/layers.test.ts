// The layer rules of DESIGN.md as ESLint enforces them (eslint.config.mjs): each case is an
// import written in a file of one folder, and whether the configuration lets it through.
// `npm run lint` checks the repository itself; this checks that the rules catch violations.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ESLint, Linter } from 'eslint';
import tseslint from 'typescript-eslint';

const repo = path.resolve(__dirname, '../../..');

const cases: [file: string, code: string, allowed: boolean][] = [
  ['src/engine/model/probe.ts', "import { reconcile } from '../reconcile';", false],
  ['src/engine/model/probe.ts', "import { parse } from 'yaml';", false],
  ['src/engine/model/probe.ts', "import { formatFieldPath } from './fieldPath';", true],
  ['src/engine/load/probe.ts', "import { parse } from 'yaml';", true],
  ['src/engine/render/kustomize/probe.ts', "import { parseAllDocuments } from 'yaml';", true],
  ['src/engine/render/kustomize/probe.ts', "import { sha256Hex } from '../../util/sha256';", true],
  ['src/engine/render/kustomize/probe.ts', "import { loadYamlFile } from '../../load';", false],
  ['src/engine/render/probe.ts', "import { readFileSync } from 'node:fs';", false],
  ['src/engine/load/probe.ts', "import { readFileSync } from 'node:fs';", false],
  ['src/engine/load/probe.ts', "import { reconcile } from '../reconcile';", false],
  ['src/engine/reconcile/probe.ts', "import { loadYamlFile } from '../load';", false],
  ['src/engine/reconcile/probe.ts', "import { diagnoseServices } from '../diagnose/serviceRules';", false],
  ['src/engine/reconcile/index.ts', "import { serviceFindings } from '../diagnose/serviceFindings';", false],
  ['src/engine/reconcile/probe.ts', "import type { TemplateView } from '../diagnose/serviceRules';", false],
  [
    'src/engine/diagnose/probe.ts',
    "import type { EndpointSelection } from '../reconcile/endpointSlices';",
    true,
  ],
  ['src/engine/diagnose/probe.ts', "import { memo } from '../util/memo';", true],
  ['src/engine/reconcile/apiserver/probe.ts', "import { tracePacket } from '../../trace/interpret';", false],
  ['src/engine/reconcile/probe.ts', "import { memo } from '../util/memo';", true],
  ['src/engine/reconcile/probe.ts', "import type { Pod } from '../model';", true],
  ['src/engine/diagnose/probe.ts', "import { findPort } from '../reconcile/endpointSlices';", true],
  ['src/engine/diagnose/probe.ts', "import { syncProxyRules } from '../proxy/iptables/proxier';", false],
  ['src/engine/proxy/iptables/probe.ts', "import { tracePacket } from '../../trace/interpret';", false],
  ['src/engine/proxy/iptables/probe.ts', "import { probability } from './probability';", true],
  ['src/engine/proxy/iptables/probe.ts', "import { categorizeEndpoints } from '../topology';", true],
  ['src/engine/proxy/probe.ts', "import * as vscode from 'vscode';", false],
  ['src/engine/trace/probe.ts', "import { rulesOfNode } from '../proxy/iptables';", true],
  ['src/engine/trace/probe.ts', "import { requestPath } from '../queries';", false],
  ['src/engine/trace/probe.ts', "import { analyzeWorkspace } from '..';", false],
  ['src/engine/trace/probe.ts', "import { reconcile } from '../reconcile';", false],
  ['src/engine/report/probe.ts', "import { traceRequest } from '../trace/request';", true],
  [
    'src/engine/l7/probe.ts',
    "import { provisionLoadBalancers } from '../reconcile/cloudLoadBalancer';",
    true,
  ],
  ['src/engine/l7/probe.ts', "import { rulesOfNode } from '../proxy/iptables';", false],
  ['src/engine/l7/probe.ts', "import { traceRequest } from '../trace/request';", false],
  ['src/engine/l7/probe.ts', "import { parse } from 'yaml';", false],
  ['src/engine/trace/probe.ts', "import { decideRequest } from '../l7';", true],
  ['src/engine/reconcile/probe.ts', "import { l7Analysis } from '../l7';", false],
  ['src/cli/probe.ts', "import { analyzeWorkspace } from '../engine';", true],
  ['src/cli/commands/probe.ts', "import { tracePacket } from '../../engine/trace/interpret';", false],
  ['src/cli/commands/probe.ts', "import type { RequestTrace } from '../../engine/trace/request';", true],
  ['src/extension/probe.ts', "import { analyzeWorkspace } from '../engine';", false],
  ['src/extension/probe.ts', "import { loadYamlFile } from '../engine/load';", false],
  ['src/extension/probe.ts', "import type { Analysis } from '../engine';", true],
  ['src/extension/probe.ts', "import { engine } from './engineLoader';", true],
  ['src/extension/probe.ts', "import { fileRole } from '../engine/model';", true],
  ['src/extension/probe.ts', "import { rangeAt } from '../engine/model/objects';", false],
  ['src/extension/engineApi.ts', "export { tracePacket } from '../engine/trace/interpret';", false],
  ['src/extension/engineApi.ts', "export { requestPath } from '../engine';", true],
  ['webview/probe.ts', "import type { Analysis } from '../src/engine';", false],
  ['webview/probe.ts', "import * as vscode from 'vscode';", false],
  ['webview/probe.ts', "import type { Snapshot } from './protocol';", true],
];

void test('the layer lint lets through what DESIGN.md allows and fails every violation', async () => {
  const eslint = new ESLint({ cwd: repo });
  const linter = new Linter({ configType: 'flat' });
  const failures: string[] = [];
  for (const [file, code, allowed] of cases) {
    const config = (await eslint.calculateConfigForFile(path.join(repo, file))) as Linter.Config;
    const rule = config.rules?.['no-restricted-imports'];
    assert.ok(rule, `${file}: no-restricted-imports is configured`);
    const messages = linter.verify(
      code,
      [
        {
          files: ['**/*.ts'],
          languageOptions: { parser: tseslint.parser },
          rules: { 'no-restricted-imports': rule },
        },
      ],
      { filename: path.join(repo, file) },
    );
    const fatal = messages.find((m) => m.fatal);
    assert.equal(fatal, undefined, `${file}: ${code} does not parse: ${fatal?.message}`);
    const reported = messages.some((m) => m.ruleId === 'no-restricted-imports');
    if (reported === allowed) {
      failures.push(`${file}: ${code} → ${reported ? `refused (${messages[0]?.message})` : 'allowed'}`);
    }
  }
  assert.deepEqual(failures, []);
});

void test('no engine file switches the layer lint off (the layers have no exceptions)', () => {
  const engine = path.join(repo, 'src/engine');
  const files = (readdirSync(engine, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts'));
  assert.ok(files.length > 0);
  const disabled = files.filter((f) =>
    /eslint-disable(-next-line|-line)?[^\n]*no-restricted-imports/.test(
      readFileSync(path.join(engine, f), 'utf8'),
    ),
  );
  assert.deepEqual(disabled, []);
});
