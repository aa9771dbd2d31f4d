import {
  CanceledError,
  ConversionError,
  ValidationError,
  canStream,
  createRunner,
  csvToRows,
  rowsToCsv,
  run,
  streamConvert,
} from '@taskcell/core';
import type { IRows } from '@taskcell/core';
import { ObjectId } from 'bson';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { isDeepStrictEqual } from 'node:util';
import { thrown } from './helpers';
import { SHARED } from '../../../test/conformance/harness';

const GW = SHARED;
const DATA = join(GW, 'raw', 'tests', 'data');
const corpora = ['test.csv', 'flu.csv', 'RadiomicsData.csv'].map((f) => [f, readFileSync(join(DATA, f), 'utf8')] as const);
const runner = createRunner({ cacheDir: mkdtempSync(join(tmpdir(), 'tc-table-unit-')) });
const f = runner.formats;
const convert = (from: string, to: string, data: unknown) => f.convert('table', from, to, data) as unknown;
/** Every format of the table type but the column names, which are one-way. */
const FORMATS = ['rows', 'rows.json', 'objectlist', 'objectlist.json', 'objectlist.bson', 'csv', 'tsv', 'jsonlines'];

/** Run `text` (split into pieces of `size` bytes, so characters and line breaks may be cut) through streamConvert. */
async function streamed(from: string, to: string, text: string, size: number): Promise<string> {
  const bytes = Buffer.from(text);
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  const out = new PassThrough();
  const collected: Buffer[] = [];
  out.on('data', (d: Buffer) => collected.push(d));
  await streamConvert('table', from, to, Readable.from(chunks), out);
  return Buffer.concat(collected).toString('utf8');
}

/** The table inputs of Girder Worker's table cases (rows, objectlists, CSV texts). */
function caseTables(): Array<[string, IRows]> {
  const cases = (JSON.parse(readFileSync(join(GW, 'cases', 'table.json'), 'utf8')) as { cases: Array<Record<string, unknown>> }).cases;
  const out: Array<[string, IRows]> = [];
  for (const c of cases) {
    if (c.kind !== 'convert' || typeof c.from_format !== 'string' || (c.input as { data_file?: string } | null)?.data_file) continue;
    out.push([c.name as string, convert(c.from_format, 'rows', c.input) as IRows]);
  }
  return out;
}

describe('round trips', () => {
  // Tables whose every row has every field: csv and tsv write a missing cell as "" (DictWriter's restval), which reads back as "".
  const full = (t: IRows) => t.rows.every((r) => t.fields.every((k) => Object.prototype.hasOwnProperty.call(r, k)));
  const whole = corpora.map(([n, t]) => [n, csvToRows(t)] as [string, IRows]);
  // Every pair on the case tables, test.csv and the first 20 rows of the wide corpora (160 and 454 columns make each conversion slow).
  const tables: Array<[string, IRows]> = [
    ...whole.map(
      ([n, t]) => [t.rows.length > 20 ? `${n} (first 20 rows)` : n, { fields: t.fields, rows: t.rows.slice(0, 20) }] as [string, IRows],
    ),
    ...caseTables(),
  ].filter(([, t]) => full(t));

  test.each(whole)('%s, whole: rows -> every format -> rows gives an equal table', async (_name, table) => {
    for (const x of FORMATS)
      expect({ x, same: isDeepStrictEqual(await convert(x, 'rows', await convert('rows', x, table)), table) }).toEqual({ x, same: true });
  });

  test('a row without some field reads back from csv with "" there', () => {
    const t = { fields: ['a.b', 'a.b.c'], rows: [{ 'a.b': 5 }, { 'a.b.c': 3 }] };
    expect(convert('csv', 'rows', convert('rows', 'csv', t))).toEqual({
      fields: t.fields,
      rows: [
        { 'a.b': 5, 'a.b.c': '' },
        { 'a.b': '', 'a.b.c': 3 },
      ],
    });
  });

  test.each(tables)('%s: every format -> every other reachable format -> back gives an equal value', async (_name, table) => {
    let pairs = 0;
    for (const x of FORMATS) {
      const vx = await convert('rows', x, table);
      for (const y of f.reachable('table', x)) {
        if (y.startsWith('column.names') || !f.converterPath('table', y, x)) continue;
        const there = await convert(y, x, await convert(x, y, vx));
        // R writes csv its own way (every text quoted): through r.dataframe the table comes back, not the text.
        const [sent, back] = y === 'r.dataframe' ? [await convert(x, 'rows', vx), await convert(x, 'rows', there)] : [vx, there];
        const same = Buffer.isBuffer(sent) ? sent.equals(back as Buffer) : isDeepStrictEqual(sent, back);
        expect({ x, y, same }).toEqual({ x, y, same: true });
        pairs++;
      }
    }
    expect(pairs).toBe(64);
  });
});

describe('csv -> rows follows Girder Worker csv_to_rows', () => {
  test('the first line is always the header, even when numeric; empty cells stay ""', () => {
    expect(csvToRows('1,2,3\n7,10,\n,11,\n')).toEqual({
      fields: ['1', '2', '3'],
      rows: [
        { 1: 7, 2: 10, 3: '' },
        { 1: '', 2: 11, 3: '' },
      ],
    });
  });

  test('a single line is a header with no rows; a first line with no comma or tab is one column (excel)', () => {
    expect(csvToRows('A,one,two')).toEqual({ fields: ['A', 'one', 'two'], rows: [] });
    expect(csvToRows('A\none; two\nthree')).toEqual({ fields: ['A'], rows: [{ A: 'one; two' }, { A: 'three' }] });
    expect(csvToRows('')).toEqual({ fields: [], rows: [] });
  });

  test('the delimiter is sniffed (semicolons, tabs), and spaces after a delimiter are skipped, before quotes too', () => {
    expect(csvToRows('a,b;c\n1;2\n3;4\n').fields).toEqual(['a,b', 'c']);
    // Python's sniffer takes the comma here (all these were checked against CPython 3.11).
    expect(csvToRows('a,b\tc\n1\t2\n')).toEqual({ fields: ['a', 'b\tc'], rows: [{ a: '1\t2', 'b\tc': null }] });
    expect(csvToRows('a, b\n1, "x, y"\n2,  z\n').rows).toEqual([
      { a: 1, b: 'x, y' },
      { a: 2, b: 'z' },
    ]);
    // A single line is excel: no space skipping.
    expect(csvToRows('a, b').fields).toEqual(['a', ' b']);
  });

  test('cells become numbers the way Python int() then float() read them; NaN and infinities stay strings', () => {
    const cells = [
      '7',
      '-3',
      '+4',
      ' 5 ',
      '1_000',
      '2.5',
      '.5',
      '5.',
      '1e5',
      '-0',
      'NaN',
      'inf',
      '-Infinity',
      '1e999',
      '0x10',
      '1__0',
      '007',
      'a1',
      '',
    ];
    const t = csvToRows(`${cells.map((_, i) => `c${i}`).join(',')}\n${cells.join(',')}\n`);
    expect(Object.values(t.rows[0])).toEqual([
      7,
      -3,
      4,
      5,
      1000,
      2.5,
      0.5,
      5,
      100000,
      0,
      'NaN',
      'inf',
      '-Infinity',
      '1e999',
      '0x10',
      '1__0',
      7,
      'a1',
      '',
    ]);
    // Python keeps an int past 1e308; a JavaScript number cannot, so the text stays.
    expect(Object.values(csvToRows(`a,b\n${'9'.repeat(400)},-0.0\n`).rows[0])).toEqual(['9'.repeat(400), -0]);
  });

  test('short rows get null for missing cells; empty lines are skipped; \\r and \\r\\n end lines', () => {
    const text = `a,b\n${[...Array(9).keys()].map((i) => `${i},${i}\n`).join('')}9\n\n10,11\n`;
    expect(csvToRows(text).rows.slice(8)).toEqual([
      { a: 8, b: 8 },
      { a: 9, b: null },
      { a: 10, b: 11 },
    ]);
    expect(csvToRows('a,b\r1,2\r\n3,4').rows).toEqual([
      { a: 1, b: 2 },
      { a: 3, b: 4 },
    ]);
  });

  test('quoted cells keep commas, doubled quotes and line breaks; text after a closing quote is kept (Python)', () => {
    expect(csvToRows('a,b\n"x, y","say ""hi""\r\nthere"\n"ab"cd,2\n').rows).toEqual([
      { a: 'x, y', b: 'say "hi"\r\nthere' },
      { a: 'abcd', b: 2 },
    ]);
  });

  test('a header named __proto__ is a field like any other', () => {
    const t = csvToRows('__proto__,b\n1,2\n');
    expect(Object.keys(t.rows[0])).toEqual(['__proto__', 'b']);
    expect(Object.getPrototypeOf(t.rows[0])).toBe(Object.prototype);
  });

  test('an unterminated quote is a ValidationError at the opening quote', () => {
    const err = thrown(() => csvToRows('a,b\n1,2\n3,"oops\n4,5\n'));
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.context).toMatchObject({ type: 'table', format: 'csv', line: 3, column: 3 });
    expect(err.message).toMatch(/at line 3, column 3: expected a closing " for the quoted cell that opens here, got the end of the text/);
  });

  test('a row with more cells than the header is a ValidationError at the first extra cell', () => {
    const err = thrown(() => csvToRows('a,b\n1,2\n3,4,"5"\n'));
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.context).toMatchObject({ line: 3, column: 5 });
    expect(err.message).toMatch(/expected at most 2 cells per row \(the header's\), got cell 3 here/);
    expect(thrown(() => convert('tsv', 'rows', 'a\tb\n1\t2\t3\n')).context).toMatchObject({ format: 'tsv', line: 2, column: 5 });
  });

  test('a task input in csv that does not parse fails the run with the ValidationError and its position', async () => {
    const task = {
      mode: 'javascript',
      script: 'b = a',
      inputs: [{ name: 'a', type: 'table', format: 'rows' }],
      outputs: [{ name: 'b', type: 'table', format: 'rows' }],
    };
    await expect(run(task, { a: { format: 'csv', data: 'x,y\n1,"2\n' } }, { cache: false })).rejects.toMatchObject({
      code: 'taskcell:validation',
      context: { type: 'table', format: 'csv', line: 2, column: 3 },
    });
  });

  test('a text whose delimiter cannot be sniffed is a ConversionError', () => {
    // Too few lines with the comma for Python's sniffer ("Could not determine delimiter").
    expect(thrown(() => csvToRows('a,b\n1\n\n2,3\n'))).toBeInstanceOf(ConversionError);
    expect(thrown(() => csvToRows('a\rb,c\nd'))).toBeInstanceOf(ConversionError);
  });

  test('csv -> column.names reads the first line alone, as Girder Worker does', () => {
    expect(convert('csv', 'column.names', ',a,b,longer name\n1,1,1,1\n')).toEqual(['', 'a', 'b', 'longer name']);
    expect(convert('csv', 'column.names', 'a, b\n1, 2\n')).toEqual(['a', ' b']);
  });
});

describe('rows -> csv and tsv write like Python csv.DictWriter', () => {
  test('\\r\\n line ends, minimal quoting with doubled quotes, None empty, True/False, Python float repr', () => {
    const rows = {
      fields: ['a', 'b', 'c'],
      rows: [
        { a: 'x,y', b: 'say "hi"', c: null },
        { a: 'multi\nline', b: true, c: 2.5 },
        { a: 1e-5, b: 1e16, c: NaN },
        { a: -Infinity, b: [1, 'x', { k: null }] },
      ],
    };
    expect(rowsToCsv(rows)).toBe(
      'a,b,c\r\n"x,y","say ""hi""",\r\n"multi\nline",True,2.5\r\n1e-05,1e+16,nan\r\n-inf,"[1, \'x\', {\'k\': None}]",\r\n',
    );
    expect(rowsToCsv({ fields: ['only'], rows: [{ only: '' }, {}] })).toBe('only\r\n""\r\n""\r\n');
    expect(rowsToCsv({ fields: ['a', 'b'], rows: [{ a: 'x,y', b: 'p\tq' }] }, '\t')).toBe('a\tb\r\nx,y\t"p\tq"\r\n');
  });

  test('ObjectIds are written as their hex string and dates as Python datetimes', () => {
    const id = new ObjectId('530cdb1add29bc5628984303');
    expect(rowsToCsv({ fields: ['_id', 'at'], rows: [{ _id: id, at: new Date(Date.UTC(2014, 1, 25, 18, 4, 10, 5)) }] })).toBe(
      '_id,at\r\n530cdb1add29bc5628984303,2014-02-25 18:04:10.005000\r\n',
    );
  });

  test('a row with a key that is not a field is refused, as DictWriter refuses it', () => {
    const err = thrown(() => convert('rows', 'csv', { fields: ['a'], rows: [{ a: 1 }, { a: 2, z: 3 }] }));
    expect(err).toBeInstanceOf(ConversionError);
    expect(err.message).toMatch(/row 1 has a key that is not among the fields \("z"\)/);
  });
});

describe('rows.json, objectlist, objectlist.json, objectlist.bson, jsonlines', () => {
  test('rows.json is Python json.dumps text; integer field names keep the field order', () => {
    expect(convert('rows', 'rows.json', { fields: ['aa', 'bb'], rows: [{ aa: 1, bb: 'é' }] })).toBe(
      '{"fields": ["aa", "bb"], "rows": [{"aa": 1, "bb": "\\u00e9"}]}',
    );
    expect(convert('csv', 'rows.json', 'b,10,a\n1,2,3\n')).toBe('{"fields": ["b", "10", "a"], "rows": [{"b": 1, "10": 2, "a": 3}]}');
  });

  test('rows.json reads Python NaN and extended JSON back', () => {
    const t = convert(
      'rows.json',
      'rows',
      '{"fields": ["x", "id"], "rows": [{"x": NaN, "id": {"$oid": "530cdb1add29bc5628984303"}}]}',
    ) as IRows;
    expect(t.rows[0].x).toBeNaN();
    expect(t.rows[0].id).toBeInstanceOf(ObjectId);
    expect(convert('rows', 'rows.json', t)).toBe(
      '{"fields": ["x", "id"], "rows": [{"x": NaN, "id": {"$oid": "530cdb1add29bc5628984303"}}]}',
    );
  });

  test('bad JSON text is a ValidationError with line and column; JSON that is not a table is refused', () => {
    const err = thrown(() => convert('rows.json', 'rows', '{"fields": ["a"],\n "rows": [1,, 2]}'));
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.context).toMatchObject({ format: 'rows.json', line: 2, column: 13 });
    expect(thrown(() => convert('rows.json', 'rows', '[1, 2]')).message).toMatch(
      /must hold an object with keys "fields" and "rows", got array\(2\)/,
    );
    expect(thrown(() => convert('objectlist.json', 'objectlist', '{"a": 1}')).message).toMatch(/must hold a JSON list/);
  });

  test('objectlist <-> rows flattens and re-nests dotted keys; keys sharing a parent are merged', () => {
    const list = [{ a: { b: 5, c: { d: null } } }, { a: { b: 6 }, e: [1, 2] }];
    const t = convert('objectlist', 'rows', list) as IRows;
    expect(t).toEqual({
      fields: ['a.b', 'a.c.d', 'e'],
      rows: [
        { 'a.b': 5, 'a.c.d': null },
        { 'a.b': 6, e: [1, 2] },
      ],
    });
    expect(convert('rows', 'objectlist', t)).toEqual(list);
  });

  test('objectlist.json is bson.json_util text: ObjectIds and dates round-trip as extended JSON', () => {
    const list = [{ _id: new ObjectId('530cdb1add29bc5628984303'), at: new Date(0), n: 1.5 }];
    const text = convert('objectlist', 'objectlist.json', list);
    expect(text).toBe('[{"_id": {"$oid": "530cdb1add29bc5628984303"}, "at": {"$date": "1970-01-01T00:00:00Z"}, "n": 1.5}]');
    expect(convert('objectlist.json', 'objectlist', text)).toEqual(list);
  });

  test('objectlist.bson: documents one after another; Girder Worker test documents decode with their ObjectIds', () => {
    const list = [
      { _id: new ObjectId('530cdb1add29bc5628984303'), bar: 2.5, foo: 1 },
      { _id: new ObjectId('530cdb23dd29bc5628984304'), bar: 4.5, foo: 3, nested: { x: 'y' } },
    ];
    const bytes = convert('objectlist', 'objectlist.bson', list) as Buffer;
    expect(bytes[4]).toBe(0x07);
    expect(convert('objectlist.bson', 'objectlist', bytes)).toEqual(list);
    expect(convert('objectlist.bson', 'objectlist', bytes.toString('latin1'))).toEqual(list);
    expect((convert('objectlist.bson', 'rows', bytes) as IRows).fields).toEqual(['_id', 'bar', 'foo', 'nested.x']);
    const err = thrown(() => convert('objectlist.bson', 'objectlist', Buffer.concat([bytes, Buffer.from([9, 0, 0, 0, 1])])));
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.message).toMatch(new RegExp(`not valid BSON at byte ${bytes.length}: expected a document length of 5 to 5 bytes, got 9`));
  });

  test('jsonlines: one document per line, blank lines skipped, a bad line named with its column', () => {
    expect(convert('jsonlines', 'objectlist', '{"a": 1}\r\n\n{"a": {"$oid": "530cdb1add29bc5628984303"}}\n')).toEqual([
      { a: 1 },
      { a: new ObjectId('530cdb1add29bc5628984303') },
    ]);
    expect(convert('objectlist', 'jsonlines', [{ a: 'é', n: NaN }, { b: [1, null] }])).toBe(
      '{"a":"é","n":{"$numberDouble":"NaN"}}\n{"b":[1,null]}\n',
    );
    const err = thrown(() => convert('jsonlines', 'objectlist', '{"a": 1}\n\n{"a": tru}\n'));
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.context).toMatchObject({ format: 'jsonlines', line: 3, column: 7 });
  });
});

describe('validators and column names', () => {
  test('validators check what Girder Worker checks', () => {
    expect(f.isValid('table', 'rows', { fields: ['a'], rows: [] })).toBe(true);
    expect(f.check('table', 'rows', { rows: [] })).toEqual({
      message: 'expected an object with keys "fields" and "rows", got an object with keys ["rows"]',
    });
    expect(f.isValid('table', 'objectlist', [{ a: 1 }, 2])).toBe(true);
    expect(f.isValid('table', 'objectlist', [1, { a: 1 }])).toBe(false);
    expect(f.isValid('table', 'objectlist', [])).toBe(true);
    expect(f.isValid('table', 'csv', 'not, really\n"csv')).toBe(true);
    expect(f.isValid('table', 'objectlist.bson', Buffer.alloc(0))).toBe(true);
    expect(f.isValid('table', 'objectlist.bson', 5)).toBe(false);
    expect(f.isValid('table', 'column.names.discrete', ['a'])).toBe(true);
    expect(f.isValid('table', 'column.names', 'a')).toBe(false);
  });

  test('continuous and discrete column names look at the first row; an empty table has none to look at', () => {
    const t = { fields: ['n', 's', 'b', 'z'], rows: [{ n: 1.5, s: 'x', b: true, z: null }] };
    expect(convert('rows', 'column.names.continuous', t)).toEqual(['n', 'b']);
    expect(convert('rows', 'column.names.discrete', t)).toEqual(['s']);
    expect(thrown(() => convert('rows', 'column.names.discrete', { fields: ['a'], rows: [] })).message).toMatch(
      /expected a first row .* got no rows/,
    );
    expect(thrown(() => convert('rows', 'column.names.continuous', { fields: ['a'], rows: [{}] }))).toBeInstanceOf(ConversionError);
  });
});

describe('converter paths', () => {
  test('every table pair takes Girder Worker path (conversion_paths.json, types_only); the only additions are to jsonlines', () => {
    const gw = (
      JSON.parse(readFileSync(join(GW, 'conversion_paths.json'), 'utf8')) as {
        types_only: { reachable: Array<{ type: string; from: string; to: string; path: string[] }> };
      }
    ).types_only.reachable.filter((r) => r.type === 'table');
    const want = new Map(gw.map((r) => [`${r.from} ${r.to}`, r.path]));
    const formats = f.formats('table');
    const added: string[] = [];
    for (const from of formats) {
      for (const to of formats) {
        if (from === to) continue;
        const path = f.converterPath('table', from, to);
        const gwPath = want.get(`${from} ${to}`);
        if (gwPath) expect({ from, to, path }).toEqual({ from, to, path: gwPath });
        // Paths to and from r.dataframe (through R) are Girder Worker's types_and_r ones, checked in the conformance suite.
        else if (path && from !== 'r.dataframe' && to !== 'r.dataframe') added.push(`${path.join(' > ')}`);
      }
    }
    expect(gw.length).toBe(73);
    expect(added.every((p) => p.endsWith('objectlist > jsonlines'))).toBe(true);
    expect(added.length).toBe(7);
  });
});

describe('streaming', () => {
  const targets = ['jsonlines', 'rows.json', 'objectlist.json', 'csv', 'tsv'];

  test('canStream: csv, tsv and jsonlines to csv, tsv, jsonlines, rows.json and objectlist.json', () => {
    for (const from of ['csv', 'tsv', 'jsonlines']) for (const to of targets) expect(canStream('table', from, to)).toBe(true);
    expect(canStream('table', 'rows.json', 'csv')).toBe(false);
    expect(canStream('table', 'csv', 'objectlist.bson')).toBe(false);
    expect(canStream('tree', 'csv', 'jsonlines')).toBe(false);
  });

  test.each(corpora)(
    '%s: streaming gives byte for byte what the in-memory conversion gives, whatever the chunk size',
    async (_name, text) => {
      const tsv = convert('csv', 'tsv', text) as string;
      for (const [from, input] of [
        ['csv', text],
        ['tsv', tsv],
      ] as const) {
        for (const to of targets) {
          const whole = convert(from, to, input) as string;
          for (const size of [4093, 1 << 22])
            expect({ from, to, size, same: (await streamed(from, to, input, size)) === whole }).toEqual({ from, to, size, same: true });
        }
      }
      const lines = convert('csv', 'jsonlines', text) as string;
      for (const to of ['csv', 'tsv', 'rows.json', 'objectlist.json']) {
        expect({ to, same: (await streamed('jsonlines', to, lines, 4093)) === convert('jsonlines', to, lines) }).toEqual({
          to,
          same: true,
        });
      }
    },
  );

  test('every chunk boundary, inside quoted cells, doubled quotes, \\r\\n and multibyte characters, gives the same output', async () => {
    const text = 'id,note\r\n1,"a, b ""quoted"""\r\n2,"multi\r\nline, é"\r\n3,"""x"""\r\n4, plain\r';
    const want = convert('csv', 'jsonlines', text) as string;
    // Python drops the line break inside the quoted cell (it reads line by line); taskcell keeps it.
    expect(want).toBe(
      '{"id":1,"note":"a, b \\"quoted\\""}\n{"id":2,"note":"multi\\r\\nline, é"}\n{"id":3,"note":"\\"x\\""}\n{"id":4,"note":"plain"}\n',
    );
    const bytes = Buffer.from(text).length;
    for (let size = 1; size <= bytes; size++) expect(await streamed('csv', 'jsonlines', text, size)).toBe(want);
    const csv = convert('jsonlines', 'csv', want) as string;
    for (let size = 1; size <= Buffer.from(want).length; size++) expect(await streamed('jsonlines', 'csv', want, size)).toBe(csv);
  });

  test('the dialect is chosen from the same text as in memory, however the beginning arrives', async () => {
    const long = `${'h'.repeat(7000)},b\n${'1, "x,y"\n'.repeat(2000)}`;
    for (const text of [long, 'A\none\ntwo', 'A,b', 'A,b\r\n', 'a;b\n1;2', 'a\rb;c\nd;e\rf;g']) {
      const whole = convert('csv', 'rows.json', text);
      for (const size of [1, 3, 4999, 5001, 100000]) expect(await streamed('csv', 'rows.json', text, size)).toBe(whole);
    }
  });

  test('bad text fails the stream with the same ValidationError as in memory', async () => {
    const text = 'a,b\n1,2\n3,"oops\n4,5\n';
    const memory = thrown(() => convert('csv', 'rows', text));
    await expect(streamed('csv', 'jsonlines', text, 5)).rejects.toMatchObject({ code: 'taskcell:validation', context: memory.context });
    await expect(streamed('jsonlines', 'csv', '{"a": 1}\n{"a": 2', 3)).rejects.toMatchObject({
      context: { format: 'jsonlines', line: 2, column: 8 },
    });
    await expect(streamed('csv', 'objectlist.bson', text, 5)).rejects.toBeInstanceOf(ConversionError);
  });

  test('a slow output is waited for (backpressure), and a file path source works', async () => {
    const text = `a,b\n${'1,"hello, world"\n'.repeat(20000)}`;
    const file = join(mkdtempSync(join(tmpdir(), 'tc-stream-')), 'in.csv');
    writeFileSync(file, text);
    const pieces: string[] = [];
    let drains = 0;
    const slow = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _enc, done) {
        pieces.push(chunk.toString());
        setTimeout(done, 1);
      },
    });
    slow.on('drain', () => drains++);
    await streamConvert('table', 'csv', 'objectlist.json', (await import('node:fs')).createReadStream(file), slow);
    expect(pieces.join('')).toBe(convert('csv', 'objectlist.json', text));
    expect(drains).toBeGreaterThan(3);
    expect(slow.writableFinished).toBe(true);
  });

  test('an abort signal stops the stream with a CanceledError', async () => {
    const ac = new AbortController();
    const input = new PassThrough();
    const out = new PassThrough();
    out.resume();
    const done = streamConvert('table', 'csv', 'jsonlines', input, out, { signal: ac.signal });
    input.write('a,b\n1,2\n');
    setTimeout(() => ac.abort(), 20);
    await expect(done).rejects.toBeInstanceOf(CanceledError);
    await expect(
      streamConvert('table', 'csv', 'jsonlines', Readable.from(['a\n']), new PassThrough(), { signal: ac.signal }),
    ).rejects.toBeInstanceOf(CanceledError);
  });
});
