// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

/** The engine's folders and what each may import besides itself (DESIGN.md, Layers). */
const LAYERS = {
  model: [],
  util: [],
  net: ['model'],
  // render parses kustomizations, resources and patches (it prints with its own goyaml.v2 emitter).
  render: ['model', 'util', 'net', 'yaml'],
  // load also reads what the render stage built (its output, with the source map).
  load: ['model', 'util', 'net', 'render', 'yaml'],
  reconcile: ['model', 'util', 'net'],
  diagnose: ['model', 'util', 'net', 'reconcile'],
  proxy: ['model', 'util', 'net'],
  // l7 is the Gateway API and Ingress controllers: it reads the reconciled state and predicts its
  // data plane's load balancer as the cloud controller does.
  l7: ['model', 'util', 'net', 'reconcile'],
  trace: ['model', 'util', 'net', 'proxy', 'l7'],
  simulate: ['model', 'util', 'net', 'proxy'],
  report: ['model', 'util', 'net', 'load', 'reconcile', 'diagnose', 'proxy', 'l7', 'trace', 'simulate'],
};
const FOLDERS = Object.keys(LAYERS);

function engineLayers() {
  const forbiddenEverywhere = [
    { name: 'vscode', message: 'src/engine must not import vscode (see ARCHITECTURE.md).' },
    ...nodeBuiltins.map((name) => ({ name, message: 'src/engine must not import Node built-ins.' })),
  ];
  return [
    {
      files: ['src/engine/**/*.ts'],
      rules: { 'no-restricted-imports': ['error', { paths: forbiddenEverywhere }] },
    },
    ...Object.entries(LAYERS).map(([folder, allowed]) => {
      const forbidden = FOLDERS.filter((f) => f !== folder && !allowed.includes(f));
      return {
        files: [`src/engine/${folder}/**/*.ts`],
        rules: {
          'no-restricted-imports': [
            'error',
            {
              paths: [
                ...forbiddenEverywhere,
                ...(allowed.includes('yaml')
                  ? []
                  : [
                      { name: 'yaml', message: `src/engine/${folder} may not parse YAML (only load/ does).` },
                    ]),
              ],
              patterns: [
                {
                  regex: `^(\\.\\./)+(${forbidden.join('|')})(/|$)`,
                  message: `src/engine/${folder} may import only ${allowed.filter((a) => a !== 'yaml').join(', ') || 'itself'} (DESIGN.md, Layers).`,
                },
                {
                  regex: '^(\\.\\./)*\\.\\.(/index)?$|/(queries|selection)$',
                  message: `src/engine/${folder} may not import the engine's API module: data flows one way.`,
                },
              ],
            },
          ],
        },
      };
    }),
  ];
}

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      'out/',
      '.vscode-test/',
      'test-results/',
      'bench/workspaces/',
      '**/*.mjs',
      '**/*.js',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportDefaultDeclaration', message: 'Use named exports.' },
      ],
    },
  },
  // The engine runs unchanged in the extension host, a web worker and the CLI; its layers
  // import only the layers before them (DESIGN.md, Layers; ARCHITECTURE.md).
  ...engineLayers(),
  {
    // Adapters: the engine's public API module only (types from anywhere in it).
    files: ['src/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/engine/*', '**/engine/**'],
              allowTypeImports: true,
              message: 'src/cli imports the engine through its public API module (src/engine/index.ts).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/extension/**/*.ts'],
    ignores: ['src/extension/engineApi.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\.\\./)+engine(/(?!model$).*)?$',
              allowTypeImports: true,
              message:
                'src/extension calls the engine through engine() (./engineLoader.ts, used only by the analysis worker modules), which loads engineApi.ts on first use; only types, and the dependency-free model, are imported directly.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/extension/engineApi.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../engine/*', '../engine/**'],
              allowTypeImports: true,
              message:
                "engineApi.ts re-exports from the engine's public API module (src/engine/index.ts) only.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ['webview/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'vscode', message: 'webview/ runs in the browser: no vscode.' }],
          patterns: [
            {
              group: ['**/src/*', '**/src/**', '../src'],
              message: 'webview/ may not import src/ (only webview/protocol.ts is shared).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
    },
  },
);
