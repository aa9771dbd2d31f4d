import { SpecError, parseTask, slicerJsonToTask, slicerToTask, task, taskToSlicer, toSpec } from '@taskcell/core';
import type { ISlicerParameter, TaskJSON } from '@taskcell/core';
import { XMLParser } from 'fast-xml-parser';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

// Real Slicer CLI descriptions: Slicer's own modules, slicer_cli_web's examples and test data,
// HistomicsTK's CLIs (see fixtures/slicer/README.md for sources and licences).
const DIR = join(__dirname, 'fixtures', 'slicer');
const CORPUS = readdirSync(DIR).filter((f) => f.endsWith('.xml'));
const read = (f: string) => readFileSync(join(DIR, f), 'utf8');

/** A parameter as a second, independent XML parser reads it: the oracle the spec is checked against. */
interface IOracle {
  kind: string;
  name: string;
  channel: string;
  flag?: string;
  longflag?: string;
  index?: number;
  default?: string;
  multiple?: boolean;
  constraints?: Record<string, number>;
  elements?: string[];
}

const NON_PARAMS = new Set(['label', 'description', '@_advanced']);

function oracle(xml: string): IOracle[] {
  const doc = new XMLParser({ ignoreAttributes: false, parseTagValue: false, trimValues: true, preserveOrder: true }).parse(xml) as Array<
    Record<string, unknown>
  >;
  const exe = doc.find((n) => 'executable' in n)!.executable as Array<Record<string, unknown>>;
  const out: IOracle[] = [];
  const text = (nodes: Array<Record<string, unknown>>, tag: string): string | undefined => {
    const n = nodes.find((c) => tag in c);
    if (!n) return undefined;
    const inner = n[tag] as Array<Record<string, unknown>>;
    return inner.map((c) => String(c['#text'] ?? (c.__cdata as Array<Record<string, unknown>> | undefined)?.[0]?.['#text'] ?? '')).join('');
  };
  for (const group of exe.filter((n) => 'parameters' in n)) {
    for (const p of group.parameters as Array<Record<string, unknown>>) {
      const kind = Object.keys(p).find((k) => k !== ':@')!;
      if (NON_PARAMS.has(kind)) continue;
      const c = p[kind] as Array<Record<string, unknown>>;
      const attrs = (p[':@'] ?? {}) as Record<string, string>;
      const longflag = text(c, 'longflag');
      const flag = text(c, 'flag');
      const o: IOracle = { kind, name: text(c, 'name') ?? (longflag ?? flag)!.replace(/^-+/, ''), channel: text(c, 'channel') ?? 'input' };
      if (flag !== undefined) o.flag = flag;
      if (longflag !== undefined) o.longflag = longflag;
      const index = text(c, 'index');
      if (index !== undefined) o.index = Number(index);
      const def = text(c, 'default');
      if (def !== undefined) o.default = def;
      if (attrs['@_multiple'] !== undefined) o.multiple = attrs['@_multiple'] === 'true';
      const cons = c.find((n) => 'constraints' in n)?.constraints as Array<Record<string, unknown>> | undefined;
      if (cons)
        o.constraints = Object.fromEntries(
          ['minimum', 'maximum', 'step'].flatMap((k) => (text(cons, k) === undefined ? [] : [[k, Number(text(cons, k))]])),
        );
      const elements = c.filter((n) => 'element' in n).map((n) => text([n], 'element')!);
      if (elements.length) o.elements = elements;
      out.push(o);
    }
  }
  return out;
}

/** The default's text as Slicer would split it: one value, or comma-separated values for lists. */
function expectedDefault(o: IOracle): unknown {
  const text = o.default!;
  const numeric = /integer|float|double|point|region/.test(o.kind);
  const one = (s: string) => (o.kind === 'boolean' ? s.toLowerCase() === 'true' : numeric ? Number(s) : s);
  if (/vector|point|region/.test(o.kind)) {
    const items = text
      .replace(/^\[(.*)\]$/, '$1')
      .split(',')
      .map((s) => one(s.trim()));
    if (!o.multiple) return items;
    return o.kind === 'point' ? Array.from({ length: items.length / 3 }, (_, i) => items.slice(3 * i, 3 * i + 3)) : [items];
  }
  return one(text);
}

function ports(t: TaskJSON): Array<Record<string, unknown> & { slicer: ISlicerParameter }> {
  return [...(t.inputs as never[]), ...(t.outputs as never[])];
}

function failure(fn: () => unknown): SpecError {
  try {
    fn();
  } catch (e) {
    if (e instanceof SpecError) return e;
    throw e;
  }
  throw new Error('expected a SpecError');
}

describe('Slicer XML to a task spec', () => {
  test('the corpus holds every parameter kind of the execution model', () => {
    const kinds = new Set(CORPUS.flatMap((f) => oracle(read(f)).map((o) => o.kind)));
    const all = ['integer', 'float', 'double', 'boolean', 'string', 'integer-vector', 'float-vector', 'double-vector', 'string-vector'];
    all.push('integer-enumeration', 'string-enumeration', 'point', 'pointfile', 'region', 'file', 'directory', 'image');
    all.push('geometry', 'table', 'transform', 'measurement');
    expect(all.filter((k) => !kinds.has(k))).toEqual([]);
  });

  test.each(CORPUS)('%s: every parameter has the kind, channel, flags, index, default and constraints of the XML', (file) => {
    const xml = read(file);
    const spec = slicerToTask(xml, file);
    const got = new Map(ports(spec).map((p) => [p.name as string, p]));
    const want = oracle(xml);
    expect([...got.keys()].sort()).toEqual(want.map((o) => o.name).sort());
    for (const o of want) {
      const p = got.get(o.name)!;
      const m = p.slicer;
      expect({ name: o.name, kind: m.kind, channel: m.channel, flag: m.flag, longflag: m.longflag, index: m.index }).toEqual({
        name: o.name,
        kind: o.kind,
        channel: o.channel,
        flag: o.flag,
        longflag: o.longflag,
        index: o.index,
      });
      expect(m.multiple).toBe(o.multiple);
      expect(m.constraints).toEqual(o.constraints);
      if (o.elements) expect(m.enumeration!.map(String)).toEqual(o.elements.map((e) => String(expectedDefault({ ...o, default: e }))));
      if (
        o.default !== undefined &&
        (o.default !== '' || /string|file|image|directory|geometry|transform|table|measurement|item/.test(o.kind))
      ) {
        expect({ name: o.name, default: p.default }).toEqual({ name: o.name, default: expectedDefault(o) });
      } else {
        expect({ name: o.name, default: p.default }).toEqual({ name: o.name, default: undefined });
      }
      // The whole spec is valid Girder Worker JSON.
      expect(() => parseTask(spec)).not.toThrow();
    }
  });

  test('kinds map to Girder Worker types and formats, numeric defaults stay numbers', () => {
    const spec = parseTask(slicerToTask(read('slicer-ExecutionModelTour.xml')));
    const byId = (id: string) => [...spec.inputs, ...spec.outputs].find((p) => p.id === id)!;
    const shape = (id: string) => ({
      type: byId(id).type,
      format: byId(id).format,
      target: byId(id).target,
      default: byId(id).default?.data,
    });
    expect(shape('integerVariable')).toEqual({ type: 'integer', format: 'integer', target: 'memory', default: 30 });
    expect(shape('doubleVariable')).toEqual({ type: 'number', format: 'number', target: 'memory', default: 30 });
    expect(shape('floatVector')).toEqual({ type: 'number_list', format: 'number_list', target: 'memory', default: [1.3, 2, -14] });
    expect(shape('stringVector')).toEqual({
      type: 'string_list',
      format: 'string_list',
      target: 'memory',
      default: ['foo', 'bar', 'foobar'],
    });
    expect(shape('stringChoice')).toEqual({ type: 'string', format: 'text', target: 'memory', default: 'Bill' });
    expect(shape('boolean1')).toEqual({ type: 'boolean', format: 'boolean', target: 'memory', default: true });
    expect(shape('seed')).toEqual({ type: 'python', format: 'object', target: 'memory', default: [[0, 0, 0]] });
    expect(shape('directory1')).toEqual({ type: 'directory', format: 'path', target: 'memory', default: undefined });
    expect(shape('inputDT')).toEqual({ type: 'table', format: 'csv', target: 'filepath', default: undefined });
    expect(shape('arg0')).toEqual({ type: 'string', format: 'text', target: 'filepath', default: undefined });
    expect(byId('doubleVariable').source.slicer).toMatchObject({ constraints: { minimum: 0, maximum: 1000, step: 10 }, group: 0 });
    expect((spec.source.slicer as { groups: Array<{ label: string }> }).groups.map((g) => g.label)).toContain('Index Parameters');
  });
});

describe('task spec to Slicer XML', () => {
  test.each(CORPUS)('%s: XML -> spec -> XML keeps every parameter', (file) => {
    const first = slicerToTask(read(file), file);
    const xml = taskToSlicer(parseTask(first));
    const second = slicerToTask(xml, 'written');
    expect(ports(second)).toEqual(ports(first));
    expect(second.slicer).toEqual(first.slicer);
    expect(oracle(xml).map((o) => o.name)).toEqual(
      oracle(read(file))
        .map((o) => o.name)
        .sort((a, b) => order(first, a) - order(first, b)),
    );
  });

  test('a TypeScript task becomes XML with a kind per type, long flags named after the ports, and back', () => {
    const t = task(
      {
        name: 'blur',
        description: 'Blur <fast> & good',
        inputs: {
          sigma: { type: 'number', default: 1.5 },
          passes: 'integer',
          tags: 'string_list',
          sharp: 'boolean',
          rows: 'table',
          tree: 'tree',
        },
        outputs: { out: 'number_list' },
      },
      () => ({ out: [] }),
    );
    const xml = taskToSlicer(toSpec(t));
    const back = slicerToTask(xml);
    expect(back.name).toBe('blur');
    expect(back.description).toBe('Blur <fast> & good');
    const kinds = Object.fromEntries(ports(back).map((p) => [p.name, [p.slicer.kind, p.slicer.channel, p.slicer.longflag, p.type]]));
    expect(kinds).toEqual({
      sigma: ['double', 'input', 'sigma', 'number'],
      passes: ['integer', 'input', 'passes', 'integer'],
      tags: ['string-vector', 'input', 'tags', 'string_list'],
      sharp: ['boolean', 'input', 'sharp', 'boolean'],
      rows: ['table', 'input', 'rows', 'table'],
      tree: ['file', 'input', 'tree', 'string'],
      out: ['double-vector', 'output', 'out', 'number_list'],
    });
    expect(ports(back).find((p) => p.name === 'sigma')!.default).toBe(1.5);
  });
});

describe('flag aliases', () => {
  const XML = [
    '<executable>',
    '  <parameters>',
    '    <label>IO</label>',
    '    <integer>',
    '      <name>radius</name>',
    '      <label>Radius</label>',
    '      <flag alias="r,R" deprecatedalias="rad">-x</flag>',
    '      <longflag alias="rad,radius_px" deprecatedalias="old_radius">--radius</longflag>',
    '      <default>3</default>',
    '    </integer>',
    '    <double><name>sigma</name><label>Sigma</label><longflag alias="s">sigma</longflag></double>',
    '  </parameters>',
    '</executable>',
  ].join('\n');

  test('the alias and deprecatedalias of <flag> and <longflag> are read into the spec', () => {
    const [radius, sigma] = ports(slicerToTask(XML));
    expect(radius.slicer.aliases).toEqual({
      flag: 'r,R',
      flagDeprecated: 'rad',
      longflag: 'rad,radius_px',
      longflagDeprecated: 'old_radius',
    });
    expect(sigma.slicer.aliases).toEqual({ longflag: 's' });
  });

  test('XML -> spec -> XML keeps them, as attributes of the flag elements', () => {
    const first = slicerToTask(XML);
    const xml = taskToSlicer(parseTask(first));
    expect(xml).toContain('<flag alias="r,R" deprecatedalias="rad">-x</flag>');
    expect(xml).toContain('<longflag alias="rad,radius_px" deprecatedalias="old_radius">--radius</longflag>');
    expect(xml).toContain('<longflag alias="s">sigma</longflag>');
    expect(ports(slicerToTask(xml, 'written'))).toEqual(ports(first));
  });

  test("slicer_cli_web's JSON flag objects keep their aliases", () => {
    const json = {
      parameter_groups: [
        { label: 'IO', parameters: [{ type: 'integer', name: 'n', flag: { value: 'n', alias: 'num', deprecatedalias: 'count' } }] },
      ],
    };
    expect(ports(slicerJsonToTask(json))[0].slicer.aliases).toEqual({ flag: 'num', flagDeprecated: 'count' });
  });

  test('another attribute on a flag is refused with its position', () => {
    const err = failure(() =>
      slicerToTask('<executable><parameters>\n<integer><name>a</name>\n  <flag colour="red">a</flag></integer></parameters></executable>'),
    );
    expect(err.message).toContain('unknown attribute colour on <flag>; expected alias or deprecatedalias');
    expect(err.context).toMatchObject({ line: 3, column: 3 });
  });
});

/** Where a parameter sits in the written XML: groups in order, inputs before outputs within a group. */
function order(spec: TaskJSON, name: string): number {
  const all = ports(spec);
  const p = all.find((x) => x.name === name)!;
  return p.slicer.group * 10000 + (p.slicer.channel === 'output' ? 5000 : 0) + all.indexOf(p);
}

describe('broken Slicer XML', () => {
  test('a syntax error names its line and column', () => {
    const err = failure(() => slicerToTask('<executable>\n  <parameters>\n    <integer><name>x</nme>\n', 'bad.xml'));
    expect(err.context).toMatchObject({ line: 3, column: 26 });
    expect(err.message).toMatch(/bad\.xml is not well-formed XML at line 3, column 26/);
  });

  test('an unknown element names its line and column and what was expected', () => {
    const xml =
      '<executable>\n  <parameters>\n    <label>G</label>\n      <integr>\n<name>x</name></integr>\n  </parameters>\n</executable>';
    const err = failure(() => slicerToTask(xml, 'k.xml'));
    expect(err.context).toMatchObject({ line: 4, column: 7 });
    expect(err.message).toMatch(/k\.xml line 4, column 7: unknown parameter element <integr>; expected one of integer, float/);
  });

  test.each([
    ['<integer><name>n</name><default>2.5</default></integer>', 'default must be an integer, got "2.5"'],
    ['<double><name>n</name><constraints><minimum>low</minimum></constraints></double>', 'minimum must be a number, got "low"'],
    ['<boolean><name>n</name><default>yes</default></boolean>', 'default must be "true" or "false", got "yes"'],
    ['<image><name>n</name><channel>sideways</channel></image>', 'channel must be "input" or "output", got "sideways"'],
    ['<image><name>n</name><index>-1</index></image>', 'index must be an integer >= 0, got "-1"'],
    [
      '<string-enumeration><name>n</name><default>c</default><element>a</element><element>b</element></string-enumeration>',
      'default "c" is not one of the elements (a, b)',
    ],
    ['<integer><name>n</name><colour>red</colour></integer>', 'unknown element <colour> in <integer>'],
    ['<integer><label>no name</label></integer>', '<integer> needs a <name>, a <longflag> or a <flag>'],
  ])('a bad value is refused with its position: %s', (param, message) => {
    const xml = `<executable>\n  <parameters>\n  ${param}\n  </parameters>\n</executable>`;
    const err = failure(() => slicerToTask(xml));
    expect(err.message).toContain(message);
    expect(err.context.line).toBe(3);
    expect(err.context.column).toBeGreaterThanOrEqual(3);
  });

  test('two parameters with one name or one index are refused at the second', () => {
    const dup = '<executable><parameters>\n<integer><name>a</name></integer>\n<float><name>a</name></float></parameters></executable>';
    expect(failure(() => slicerToTask(dup)).context).toMatchObject({ line: 3, column: 1 });
    const idx =
      '<executable><parameters>\n<image><name>a</name><index>0</index></image>\n<image><name>b</name><index>0</index></image></parameters></executable>';
    expect(failure(() => slicerToTask(idx)).message).toContain('index 0 is already taken by the parameter at line 2');
  });
});

describe("slicer_cli_web's JSON description", () => {
  test('reads to the same task spec as the XML of the same CLI (slicer_cli_web Example1)', () => {
    const fromJson = slicerJsonToTask(JSON.parse(read('slicer_cli_web-Example1.json')));
    const fromXml = slicerToTask(read('slicer_cli_web-Example1.xml'));
    expect(ports(fromJson)).toEqual(ports(fromXml));
    expect(fromJson.slicer).toEqual(fromXml.slicer);
    expect(fromJson.name).toBe(fromXml.name);
  });

  test('a bad value names its path in the JSON', () => {
    const json = { title: 'T', parameter_groups: [{ label: 'G', parameters: [{ type: 'integer', name: 'n', default: 'many' }] }] };
    const err = failure(() => slicerJsonToTask(json));
    expect(err.message).toBe('Slicer JSON at parameter_groups[0].parameters[0].default: default must be an integer, got "many"');
    expect(err.context.path).toBe('parameter_groups[0].parameters[0].default');
    const unknown = failure(() => slicerJsonToTask({ parameter_groups: [{ parameters: [{ type: 'colour', name: 'c' }] }] }));
    expect(unknown.message).toMatch(/^Slicer JSON at parameter_groups\[0\]\.parameters\[0\]: unknown parameter element <colour>/);
  });
});
