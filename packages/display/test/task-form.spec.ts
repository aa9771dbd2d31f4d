import { parseTask, slicerToTask, task, toSpec } from '@taskcell/core';
import { fieldText, formModel, parseField } from '@taskcell/display';
import type { IFormField } from '@taskcell/display';

const SLICER = `<executable><title>T</title>
  <parameters><label>Main</label>
    <integer><name>n</name><label>Count</label><longflag>n</longflag><default>3</default>
      <constraints><minimum>1</minimum><maximum>9</maximum><step>2</step></constraints></integer>
    <string-enumeration><name>m</name><longflag>m</longflag><default>b</default><element>a</element><element>b</element></string-enumeration>
    <integer-enumeration><name>k</name><longflag>k</longflag><default>2</default><element>1</element><element>2</element></integer-enumeration>
  </parameters>
  <parameters><label>More</label>
    <double-vector><name>v</name><longflag>v</longflag><default>1,2.5</default></double-vector>
    <boolean><name>b</name><longflag>b</longflag><default>true</default></boolean>
    <image><name>img</name><index>0</index><channel>input</channel></image>
    <point multiple="true"><name>pts</name><longflag>pts</longflag><default>0,0,0</default></point>
  </parameters>
</executable>`;

function byId(fields: IFormField[], id: string): IFormField {
  return fields.find((f) => f.id === id)!;
}

describe('task forms', () => {
  test('a Slicer task: widgets by kind, groups as sections, defaults, constraints and enumerations', () => {
    const m = formModel(parseTask(slicerToTask(SLICER)), 'f1');
    expect(m).toMatchObject({ v: 1, formId: 'f1', task: 'T', groups: ['Main', 'More'] });
    const f = (id: string) => byId(m.fields, id);
    expect(f('n')).toMatchObject({
      label: 'Count',
      widget: 'integer',
      default: 3,
      minimum: 1,
      maximum: 9,
      step: 2,
      group: 'Main',
      required: false,
    });
    expect(f('m')).toMatchObject({ widget: 'select', options: ['a', 'b'], default: 'b' });
    expect(f('k')).toMatchObject({ widget: 'select', options: [1, 2], default: 2 });
    expect(f('v')).toMatchObject({ widget: 'list', item: 'number', default: [1, 2.5], group: 'More' });
    expect(f('b')).toMatchObject({ widget: 'checkbox', default: true });
    expect(f('img')).toMatchObject({ widget: 'path', pick: 'file', required: true });
    expect(f('pts')).toMatchObject({ widget: 'json', default: [[0, 0, 0]] });
    expect(fieldText(f('v'))).toBe('1, 2.5');
    expect(fieldText(f('pts'))).toBe('[[0,0,0]]');
  });

  test('files and directories are path fields that pick a file or a directory; a path is checked as text', () => {
    const xml = `<executable><parameters><label>IO</label>
      <file><name>f</name><longflag>f</longflag></file>
      <directory><name>d</name><longflag>d</longflag><default>data</default></directory>
      <table><name>t</name><longflag>t</longflag></table>
      <transform><name>x</name><longflag>x</longflag></transform>
      <string><name>s</name><longflag>s</longflag></string>
    </parameters></executable>`;
    const m = formModel(parseTask(slicerToTask(xml)), 'f3');
    expect(m.fields.map((f) => [f.id, f.widget, f.pick])).toEqual([
      ['f', 'path', 'file'],
      ['d', 'path', 'directory'],
      ['t', 'path', 'file'],
      ['x', 'path', 'file'],
      ['s', 'text', undefined],
    ]);
    const t = task(
      { name: 'p', inputs: { dir: 'directory', csv: { type: 'table', format: 'csv', target: 'filepath' } }, outputs: {} },
      () => ({}),
    );
    expect(formModel(toSpec(t), 'f4').fields.map((f) => [f.id, f.widget, f.pick])).toEqual([
      ['dir', 'path', 'directory'],
      ['csv', 'path', 'file'],
    ]);
    const f = byId(m.fields, 'f');
    expect(parseField(f, 'data/slide.svs')).toEqual({ value: 'data/slide.svs' });
    expect(parseField(f, '')).toEqual({ error: 'f needs a value' });
  });

  test('a TypeScript task: one section, required ports without defaults', () => {
    const t = task({ name: 'sq', inputs: { x: { type: 'number', default: 2 }, tags: 'string_list', t: 'table' }, outputs: {} }, () => ({}));
    const m = formModel(toSpec(t), 'f2');
    expect(m.groups).toEqual(['Inputs']);
    expect(m.fields.map((f) => [f.id, f.widget, f.required])).toEqual([
      ['x', 'number', false],
      ['tags', 'list', true],
      ['t', 'json', true],
    ]);
  });

  test('values are checked against type and constraints, with the reason', () => {
    const m = formModel(parseTask(slicerToTask(SLICER)), 'f');
    const f = (id: string) => byId(m.fields, id);
    expect(parseField(f('n'), '5')).toEqual({ value: 5 });
    expect(parseField(f('n'), '5.5')).toEqual({ error: 'Expected an integer, got "5.5"' });
    expect(parseField(f('n'), '0')).toEqual({ error: 'Expected at least 1, got 0' });
    expect(parseField(f('n'), '12')).toEqual({ error: 'Expected at most 9, got 12' });
    expect(parseField(f('n'), '')).toEqual({ value: 3 });
    expect(parseField(f('k'), '1')).toEqual({ value: 1 });
    expect(parseField(f('m'), 'z')).toEqual({ error: 'Expected one of a, b, got "z"' });
    expect(parseField(f('v'), '3, -1e2')).toEqual({ value: [3, -100] });
    expect(parseField(f('v'), '3, x')).toEqual({ error: 'Each value: Expected a number, got "x"' });
    expect(parseField(f('b'), false)).toEqual({ value: false });
    expect(parseField(f('img'), '')).toEqual({ error: 'img needs a value' });
    expect(parseField(f('pts'), '[[1,2,3]]')).toEqual({ value: [[1, 2, 3]] });
    expect(parseField(f('pts'), '[1,')).toMatchObject({ error: expect.stringMatching(/^Expected JSON, got "\[1,"/) });
  });
});
