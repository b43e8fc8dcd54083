// YAML texts' concrete syntax trees, kept for the next reader of the same text. An edited
// base file of a kustomize overlay is read twice on each analysis: by the loader (go-yaml
// v2's reading, with every range) and by the kustomize build (yaml.v3's). Both compose
// their documents from the same tokens, with their own schema; the tokens are most of a
// parse (about 80% in yaml 2.x), and composing only reads them (checked by a test).
import { Composer, LineCounter, Parser } from 'yaml';
import type { CST, Document, DocumentOptions, ParseOptions, SchemaOptions } from 'yaml';

/** One text's tokens, and its line starts as the parser saw them. */
interface Tokens {
  readonly tokens: readonly CST.Token[];
  readonly lines: LineCounter;
}

/**
 * The tokens of the last few texts parsed (an owner — the workspace analyzer — keeps one
 * for all its readers). Bounded: a first analysis reads every file once per reader, and
 * only the texts read again soon after (an edit's) are worth keeping.
 */
export class YamlTokens {
  private readonly kept = new Map<string, Tokens>();
  constructor(private readonly capacity = 8) {}

  of(text: string): Tokens {
    const hit = this.kept.get(text);
    if (hit) return hit;
    const parsed = tokenize(text);
    this.kept.set(text, parsed);
    if (this.kept.size > this.capacity) {
      const oldest = this.kept.keys().next();
      if (!oldest.done) this.kept.delete(oldest.value);
    }
    return parsed;
  }
}

function tokenize(text: string): Tokens {
  const lines = new LineCounter();
  return { tokens: Array.from(new Parser(lines.addNewLine).parse(text)), lines };
}

/**
 * yaml's parseAllDocuments (without prettyErrors), from the kept tokens when `kept` has
 * them: the same documents, errors and warnings. `lines` is the LineCounter that
 * parseAllDocuments would have filled.
 */
export function parseAllDocumentsFrom(
  text: string,
  options: ParseOptions & DocumentOptions & SchemaOptions,
  kept?: YamlTokens,
): { readonly docs: Document.Parsed[]; readonly lines: LineCounter } {
  const { tokens, lines } = kept ? kept.of(text) : tokenize(text);
  return { docs: Array.from(new Composer(options).compose(tokens)), lines };
}
