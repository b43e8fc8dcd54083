// The loader and the kustomize build compose their documents from one text's kept tokens
// (util/yamlTokens): what each reads must be what it reads from a parse of its own, whichever
// reader parsed first, and composing must leave the tokens as they were.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { loadYamlFile } from '../../src/engine/load/yamlDocuments';
import { parseYamlDocuments } from '../../src/engine/render/kustomize/value';
import { parseAllDocumentsFrom, YamlTokens } from '../../src/engine/render/yamlTokens';

function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

function yamlFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yamlFiles(path, out);
    else if (/\.ya?ml$/.test(name)) out.push(readFileSync(path, 'utf8'));
  }
  return out;
}

const fixtures = join(repoRoot(), 'test', 'fixtures');
/** The kustomize cases' files, the broken and hostile fixtures, and texts yaml reports errors in. */
const corpus: string[] = [
  ...yamlFiles(join(fixtures, 'broken')),
  ...yamlFiles(join(fixtures, 'hostile')).filter((t) => t.length < 200_000),
  ...(
    JSON.parse(readFileSync(join(fixtures, 'conformance', 'kustomize', 'cases.json'), 'utf8')) as {
      files: Record<string, unknown>;
    }[]
  )
    .flatMap((c) => Object.values(c.files))
    .filter((t): t is string => typeof t === 'string')
    .slice(0, 600),
  'a: [1, 2\nb: {c: d\n  e: "f\n  g"\n',
  'key: &x {a: 1}\nother: *x\nmerged:\n  <<: *x\n  b: 2\n',
  '---\n# only a comment\n---\n...\n---\nx: yes\ny: 0o17\nz: 1_000\n',
  'a: 1\na: 2\n',
  '%YAML 1.1\n---\nk: !!str 012\n',
  '"unterminated\n',
];

/** JSON with Maps and Sets as lists of their entries (a LoadedObject's ranges are Maps). */
const json = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) => (x instanceof Map || x instanceof Set ? [...x] : x));

/** A document's parts that a reader looks at, as JSON. */
function docsJson(
  docs: readonly { toJS(): unknown; errors: unknown[]; warnings: unknown[]; range: unknown }[],
): string {
  return JSON.stringify(
    docs.map((d) => {
      let value: unknown;
      try {
        value = d.toJS();
      } catch (e) {
        value = `throws ${String(e)}`;
      }
      return { value, errors: d.errors.map(String), warnings: d.warnings.map(String), range: d.range };
    }),
  );
}

void describe('YAML tokens shared by the readers of one text', () => {
  void it(`composes what parseAllDocuments gives, and leaves the tokens as they were (${corpus.length} texts)`, () => {
    assert.ok(corpus.length > 100, `corpus of ${corpus.length} texts`);
    for (const text of corpus) {
      const kept = new YamlTokens();
      const before = JSON.stringify(kept.of(text).tokens);
      for (const options of [
        { prettyErrors: false, uniqueKeys: false, logLevel: 'error' as const },
        { prettyErrors: false, merge: true, logLevel: 'error' as const },
      ]) {
        const shared = parseAllDocumentsFrom(text, options, kept);
        assert.equal(docsJson(shared.docs), docsJson(parseAllDocuments(text, options) as never), text);
      }
      assert.equal(JSON.stringify(kept.of(text).tokens), before, `tokens changed by composing:\n${text}`);
    }
  });

  void it('the loader and the kustomize parse read the same with kept tokens, in either order', () => {
    for (const text of corpus) {
      const alone = {
        loaded: json(loadYamlFile('f.yaml', text)),
        kustomize: json(parseYamlDocuments(text, false)),
      };
      const loaderFirst = new YamlTokens();
      assert.equal(json(loadYamlFile('f.yaml', text, undefined, loaderFirst)), alone.loaded, text);
      assert.equal(json(parseYamlDocuments(text, false, loaderFirst)), alone.kustomize, text);
      const kustomizeFirst = new YamlTokens();
      assert.equal(json(parseYamlDocuments(text, false, kustomizeFirst)), alone.kustomize, text);
      assert.equal(json(loadYamlFile('f.yaml', text, undefined, kustomizeFirst)), alone.loaded, text);
    }
  });

  void it('keeps the last texts only, and gives a kept text the same tokens', () => {
    const kept = new YamlTokens(2);
    const a = kept.of('a: 1\n');
    assert.equal(kept.of('a: 1\n'), a);
    kept.of('b: 2\n');
    kept.of('c: 3\n');
    assert.notEqual(kept.of('a: 1\n'), a, 'the oldest text was dropped');
  });
});
