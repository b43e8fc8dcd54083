// Go text/template behaviour the upstream tables do not cover: Helm-style values (every
// number from a values file is a float64), missingkey modes, error wording with line:col,
// parse error lines, newer Go syntax (range over int, else with), the function map's Go
// argument typing, and the budgets that end hostile templates with an error.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MissingKey, Value } from '../../src/engine/render/gotemplate';
import {
  FuncError,
  TemplateBudgetError,
  TemplateExecError,
  TemplateParseError,
  TemplateSet,
  goFunc,
  positionOf,
} from '../../src/engine/render/gotemplate';

const map = (o: Record<string, Value>): Map<string, Value> => new Map(Object.entries(o));

function render(
  text: string,
  data: Value = undefined,
  opts: { missingKey?: MissingKey; limits?: Record<string, number>; name?: string } = {},
): string {
  const set = new TemplateSet({ missingKey: opts.missingKey ?? 'default', limits: opts.limits ?? {} });
  const name = opts.name ?? 't.yaml';
  set.parse(name, text);
  return set.execute(name, data);
}

function execError(
  text: string,
  data: Value = undefined,
  opts: Parameters<typeof render>[2] = {},
): TemplateExecError {
  try {
    render(text, data, opts);
  } catch (e) {
    if (e instanceof TemplateExecError) return e;
    throw e;
  }
  assert.fail(`expected an execution error for ${text}`);
}

function parseError(text: string, name = 't.yaml'): TemplateParseError {
  try {
    new TemplateSet().parse(name, text);
  } catch (e) {
    if (e instanceof TemplateParseError) return e;
    throw e;
  }
  assert.fail(`expected a parse error for ${text}`);
}

void describe('gotemplate: Helm-style values (numbers from YAML are float64)', () => {
  const values = map({ big: 1e6, id: 123456789, half: 1.5, small: 0.00001, replicas: 3 });

  void it('prints float64 values as Go %v does', () => {
    assert.equal(
      render('{{.big}} {{.id}} {{.half}} {{.small}} {{.replicas}}', values),
      '1e+06 1.23456789e+08 1.5 1e-05 3',
    );
  });

  void it('keeps int literals distinct from float64 values', () => {
    assert.equal(render('{{1000000}} {{1e6}} {{len .}}', values), '1000000 1e+06 5');
    assert.match(
      execError('{{if eq .replicas 3}}x{{end}}', values).message,
      /incompatible types for comparison$/,
    );
    assert.equal(render('{{if eq .replicas 3.0}}three{{end}}', values), 'three');
    assert.match(
      execError('{{lt .half 2}}', values).message,
      /error calling lt: incompatible types for comparison$/,
    );
  });

  void it('applies printf verbs to float64 as Go does', () => {
    assert.equal(render('{{printf "%d" .replicas}}', values), '%!d(float64=3)');
    assert.equal(render('{{printf "%.0f|%v|%s" .big .big .half}}', values), '1000000|1e+06|%!s(float64=1.5)');
    assert.equal(
      render('{{printf "%g %e %.3g" .id .id .id}}', values),
      '1.23456789e+08 1.234568e+08 1.23e+08',
    );
  });
});

void describe('gotemplate: missingkey options', () => {
  const data = map({ Values: map({ present: 'x', empty: null }) });

  void it('default prints <no value> and lets a chain through a missing key', () => {
    assert.equal(
      render('{{.Values.nope}}|{{.Values.nope.deeper}}|{{.Values.empty}}', data),
      '<no value>|<no value>|<no value>',
    );
  });

  void it('zero (what Helm uses) gives nil, so a field of it is a nil pointer evaluation', () => {
    assert.equal(render('{{.Values.nope}}', data, { missingKey: 'zero' }), '<no value>');
    const e = execError('{{.Values.nope.deeper}}', data, { missingKey: 'zero' });
    assert.equal(
      e.message,
      'template: t.yaml:1:9: executing "t.yaml" at <.Values.nope.deeper>: nil pointer evaluating interface {}.deeper',
    );
    assert.equal(e.reason, 'nil pointer evaluating interface {}.deeper');
  });

  void it('error (helm --strict) fails on the missing key', () => {
    const e = execError('ok\n{{ .Values.nope }}', data, { missingKey: 'error' });
    assert.equal(
      e.message,
      'template: t.yaml:2:10: executing "t.yaml" at <.Values.nope>: map has no entry for key "nope"',
    );
    assert.deepEqual(e.location, { file: 't.yaml', line: 2, column: 10 });
  });

  void it('a YAML null is a nil value, whatever the mode', () => {
    const e = execError('{{.Values.empty.x}}', data);
    assert.match(e.message, /nil pointer evaluating interface \{\}\.x$/);
  });
});

void describe('gotemplate: error wording and location', () => {
  void it('gives FILE:LINE:COL with a 0-based byte column and the node text', () => {
    const e = execError('a: 1\nb: {{ .x.y }}', map({ x: 3n }));
    // Go places a field chain at its second field (parse.go operand: the chain's position).
    assert.equal(
      e.message,
      'template: t.yaml:2:8: executing "t.yaml" at <.x.y>: can\'t evaluate field y in type int',
    );
  });

  void it('counts the column in UTF-8 bytes, as Go does', () => {
    const e = execError('é {{ .x.y }}', map({ x: 3n }));
    assert.deepEqual(e.location, { file: 't.yaml', line: 1, column: 8 });
  });

  void it('truncates the context to 20 bytes', () => {
    const e = execError('{{ index .list 5 6 7 8 9 }}', map({ list: [] }));
    assert.equal(e.context, 'index .list 5 6 7 8 ...');
    assert.match(e.message, /error calling index: index out of range: 5$/);
  });

  void it('names the defined template executing and the file it came from', () => {
    const set = new TemplateSet();
    set.parse('chart/templates/_helpers.tpl', '{{ define "name" }}\n{{ .Chart.Name.x }}{{ end }}');
    set.parse('chart/templates/svc.yaml', '{{ template "name" . }}');
    assert.throws(
      () => set.execute('chart/templates/svc.yaml', map({ Chart: map({ Name: 'c' }) })),
      (e: TemplateExecError) =>
        e.message ===
        'template: chart/templates/_helpers.tpl:2:9: executing "name" at <.Chart.Name.x>: can\'t evaluate field x in type string',
    );
  });

  void it('parse errors say TEMPLATE:LINE', () => {
    assert.equal(parseError('a\nb\n{{ if .x }}').message, 'template: t.yaml:3: unexpected EOF');
    assert.equal(parseError('x\n{{ .a | nope }}').message, 'template: t.yaml:2: function "nope" not defined');
    assert.equal(parseError('{{ end }}').message, 'template: t.yaml:1: unexpected {{end}}');
    assert.equal(parseError('{{ $x }}').message, 'template: t.yaml:1: undefined variable "$x"');
    assert.equal(parseError('{{ "unterminated }}').message, 'template: t.yaml:1: unterminated quoted string');
    assert.equal(parseError('{{ (1 }}').message, 'template: t.yaml:1: unclosed left paren');
    assert.equal(parseError('{{ break }}').message, 'template: t.yaml:1: {{break}} outside {{range}}');
    assert.equal(parseError('{{ if .x }}\n{{ .y\n}}{{ end').line, 3);
  });
});

void describe('gotemplate: control structures and newer Go syntax', () => {
  void it('ranges over maps in sorted key order, and with $i, $v', () => {
    const m = map({ b: 2n, a: 1n, c: 3n });
    assert.equal(render('{{range $k, $v := .}}{{$k}}={{$v}};{{end}}', m), 'a=1;b=2;c=3;');
    assert.equal(render('{{.}}', m), 'map[a:1 b:2 c:3]');
  });

  void it('ranges over an int (Go 1.22), with else when it is not positive', () => {
    assert.equal(
      render('{{range 3}}{{.}}{{end}}|{{range $i := 2}}<{{$i}}>{{end}}|{{range 0}}x{{else}}none{{end}}'),
      '012|<0><1>|none',
    );
    assert.match(
      execError('{{range $i, $v := 3}}{{end}}').message,
      /can't use 3 to iterate over more than one variable$/,
    );
  });

  void it('supports else with (Go 1.23) and else if chains', () => {
    const t = '{{with .a}}A{{else with .b}}B={{.}}{{else}}none{{end}}';
    assert.equal(render(t, map({ b: 'x' })), 'B=x');
    assert.equal(render(t, map({})), 'none');
    assert.equal(render('{{if .a}}a{{else if .b}}b{{else}}c{{end}}', map({ b: true })), 'b');
  });

  void it('break and continue leave only the innermost range', () => {
    const t = '{{range .}}{{if eq . 2}}{{continue}}{{end}}{{if eq . 4}}{{break}}{{end}}{{.}}{{end}}';
    assert.equal(render(t, [1n, 2n, 3n, 4n, 5n]), '13');
  });

  void it('scopes variables: := declares until end, = assigns the nearest', () => {
    assert.equal(render('{{$x := 1}}{{range .}}{{$x = .}}{{end}}{{$x}}', [5n, 6n]), '6');
    assert.equal(render('{{$x := 1}}{{with 2}}{{$x := .}}{{end}}{{$x}}'), '1');
  });

  void it('templates get their own $ and no dot without a pipeline', () => {
    const t =
      '{{define "d"}}[{{.}}|{{$}}]{{end}}{{template "d"}}{{template "d" 7}}{{block "b" "x"}}({{.}}){{end}}';
    assert.equal(render(t), '[<no value>|<no value>][7|7](x)');
  });

  void it('a later definition replaces an earlier one, but an empty one does not', () => {
    const set = new TemplateSet();
    set.parse('a', '{{define "x"}}first{{end}}');
    set.parse('b', '{{define "x"}}second{{end}}{{define "y"}}kept{{end}}');
    set.parse('c', '{{define "y"}}  {{end}}{{template "x"}}{{template "y"}}');
    assert.equal(set.execute('c', undefined), 'secondkept');
  });

  void it('trims with {{- and -}} only when the marker is followed/preceded by a space', () => {
    assert.equal(render('a  \n  {{- 1 -}}  \n  b'), 'a1b');
    assert.equal(render('{{ -1 }}'), '-1');
  });

  void it('and/or short-circuit and return the deciding operand', () => {
    assert.equal(render('{{or .a "fallback"}} {{and 1 0 .missing.x}}', map({ a: '' })), 'fallback 0');
  });
});

void describe('gotemplate: function map with Go argument types', () => {
  const funcs = new Map([
    ['upper', goFunc(['string'], 'string', (a) => (a[0] as string).toUpperCase())],
    ['sum', goFunc([], 'int', (a) => a.reduce<bigint>((s, x) => s + (x as bigint), 0n), 'int')],
    [
      'boom',
      goFunc(['interface {}'], 'string', () => {
        throw new FuncError('it broke');
      }),
    ],
    [
      'include',
      goFunc(['string', 'interface {}'], 'string', (a, ctx) => ctx.executeTemplate(a[0] as string, a[1])),
    ],
  ]);
  const run = (t: string, data: Value = undefined): string => {
    const set = new TemplateSet({ funcs });
    set.parse('f', t);
    return set.execute('f', data);
  };
  const fails = (t: string, data: Value = undefined): string => {
    try {
      run(t, data);
    } catch (e) {
      return (e as Error).message;
    }
    assert.fail(`expected ${t} to fail`);
  };

  void it('calls functions with pipeline values as the last argument', () => {
    assert.equal(run('{{"a" | upper}} {{sum 1 2 3}} {{3 | sum 4}}'), 'A 6 7');
  });

  void it('rejects wrong argument types with Go messages', () => {
    assert.match(fails('{{upper 3}}'), /at <3>: expected string; found 3$/);
    assert.match(
      fails('{{upper .n}}', map({ n: 1.5 })),
      /wrong type for value; expected string; got float64$/,
    );
    assert.match(fails('{{upper .missing}}', map({})), /invalid value; expected string$/);
    assert.match(fails('{{sum 1.5}}'), /expected integer; found 1.5$/);
    assert.match(fails('{{upper "a" "b"}}'), /wrong number of args for upper: want 1 got 2$/);
  });

  void it('wraps a function error as Go does, at the command', () => {
    assert.equal(
      fails('x {{boom 1}}'),
      'template: f:1:4: executing "f" at <boom 1>: error calling boom: it broke',
    );
  });

  void it('lets a function execute another template of the set (include)', () => {
    assert.equal(run('{{define "n"}}<{{.}}>{{end}}{{include "n" 5 | upper}}'), '<5>');
  });
});

void describe('gotemplate: bounded work on hostile templates', () => {
  void it('stops unbounded template recursion at the depth limit', () => {
    const e = execError('{{define "r"}}{{template "r" .}}{{end}}{{template "r"}}');
    assert.ok(e instanceof TemplateBudgetError);
    assert.match(
      e.message,
      /executing "r" at <\{\{template "r" \.\}\}>: exceeded maximum template depth \(1000\)$/,
    );
  });

  void it('stops recursion through a function (include) with a budget error', () => {
    const set = new TemplateSet({
      funcs: new Map([
        [
          'include',
          goFunc(['string', 'interface {}'], 'string', (a, ctx) => ctx.executeTemplate(a[0] as string, a[1])),
        ],
      ]),
    });
    set.parse('t', '{{define "r"}}{{include "r" .}}{{end}}{{include "r" 1}}');
    assert.throws(() => set.execute('t', undefined), TemplateBudgetError);
  });

  void it('ends deep recursion inside nested blocks with a budget error, not a crash', () => {
    const t =
      '{{define "r"}}{{if true}}{{with .}}{{range $}}{{template "r" $}}{{end}}{{end}}{{end}}{{end}}{{template "r" .}}';
    assert.throws(() => render(t, [1n]), TemplateBudgetError);
  });

  void it('ends a long loop at the step budget', () => {
    const e = execError('{{range .}}{{range $}}{{end}}{{end}}', Array<Value>(2000).fill(0n), {
      limits: { maxSteps: 100_000 },
    });
    assert.ok(e instanceof TemplateBudgetError);
    assert.match(e.message, /template execution exceeded the step budget \(100000 steps\)$/);
  });

  void it('ends runaway output at the output cap', () => {
    const e = execError('{{range .}}{{range $}}xxxxxxxxxx{{end}}{{end}}', Array<Value>(1000).fill(0n), {
      limits: { maxOutput: 50_000 },
    });
    assert.ok(e instanceof TemplateBudgetError);
    assert.match(e.message, /template output exceeded the limit \(50000 characters\)$/);
  });

  void it('refuses parenthesis nesting past 1000 (Go: 10000) and control nesting past 1000', () => {
    new TemplateSet().parse('ok', '{{' + '('.repeat(999) + '1' + ')'.repeat(999) + '}}');
    assert.match(
      parseError('{{' + '('.repeat(1001) + '1' + ')'.repeat(1001) + '}}').message,
      /max expression depth exceeded$/,
    );
    assert.match(
      parseError('{{if 1}}'.repeat(1001) + '{{end}}'.repeat(1001)).message,
      /max control nesting depth exceeded$/,
    );
  });
});

void describe('gotemplate: output origins (for source maps)', () => {
  void it('reports each piece of output with the node and file that wrote it', () => {
    const set = new TemplateSet();
    set.parse('chart/templates/_helpers.tpl', '{{ define "name" }}app-{{ .n }}{{ end }}');
    set.parse('chart/templates/svc.yaml', 'name: {{ template "name" . }}\nport: {{ .port }}\n');
    const seen: string[] = [];
    const out = set.execute('chart/templates/svc.yaml', map({ n: 'web', port: 80n }), (chunk, o) => {
      const p = positionOf(o.tree, o.pos);
      seen.push(`${JSON.stringify(chunk)} ${o.kind} ${o.tree.parseName}:${p.line}:${p.column}`);
    });
    assert.equal(out, 'name: app-web\nport: 80\n');
    assert.deepEqual(seen, [
      '"name: " text chart/templates/svc.yaml:1:0',
      '"app-" text chart/templates/_helpers.tpl:1:19',
      '"web" action chart/templates/_helpers.tpl:1:26',
      '"\\nport: " text chart/templates/svc.yaml:1:29',
      '"80" action chart/templates/svc.yaml:2:9',
      '"\\n" text chart/templates/svc.yaml:2:17',
    ]);
  });
});

void describe('gotemplate: Go details the tables leave implicit', () => {
  void it('prints a missing value as <no value> at the top level but nil inside print and fmt', () => {
    const d = map({});
    assert.equal(
      render('{{.x}}|{{print .x}}|{{printf "%v" .x}}|{{html .x}}', d),
      '<no value>|<nil>|<nil>|&lt;no value&gt;',
    );
  });

  void it('index gives the element zero value where a field gives no value', () => {
    const d = map({ m: map({}) });
    assert.equal(render('{{index .m "k"}}|{{.m.k}}', d), '<no value>|<no value>');
    assert.equal(render('{{if index .m "k"}}y{{else}}n{{end}}', d), 'n');
  });

  void it('len of a missing value fails as Go reflect does', () => {
    assert.match(
      execError('{{len .x}}', map({})).message,
      /error calling len: reflect: call of reflect.Value.Type on zero Value$/,
    );
  });

  void it('a template invoked without a pipeline gets no dot', () => {
    assert.equal(render('{{define "d"}}{{.}}{{end}}{{template "d"}}', 'data'), '<no value>');
  });
});

void describe('eq with a nil interface', () => {
  void it('compares unequal, without an error, where Go indirects it to an invalid value', () => {
    // bitnami/common's `common.secrets.passwords.manage`: `(eq .failOnNew false)` on a dict without the key.
    assert.equal(render('{{ eq .failOnNew false }}', map({})), 'false');
    assert.equal(render('{{ eq .v "x" }}', map({ v: null })), 'false');
    assert.equal(render('{{ eq .v .w }}', map({ v: null })), 'true');
    // Two valid values of different kinds still fail as Go's eq does.
    assert.match(
      execError('{{ eq .v false }}', map({ v: 'x' })).message,
      /incompatible types for comparison/,
    );
  });
});
