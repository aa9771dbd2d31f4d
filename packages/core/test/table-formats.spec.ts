import { ValidationError, canStream, createRunner, csvToRows, rowsToCsv, streamConvert } from '@taskcell/core';
import type { IRows } from '@taskcell/core';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';

const DATA = join(__dirname, '..', '..', '..', '..', 'shared', 'girder-worker', 'raw', 'tests', 'data');
const corpora = ['test.csv', 'flu.csv', 'RadiomicsData.csv'].map((f) => [f, readFileSync(join(DATA, f), 'utf8')] as const);
const runner = createRunner({ cacheDir: '/tmp/tc-table-unit' });
const f = runner.formats;

/** Stream `text` through streamConvert in chunks of `size` characters and collect the output. */
async function streamed(from: string, to: string, text: string, size: number): Promise<string> {
  const chunks: string[] = [];
  for (let i = 0; i < text.length; i += size) chunks.push(text.slice(i, i + size));
  const out = new PassThrough();
  const collected: Buffer[] = [];
  out.on('data', (d: Buffer) => collected.push(d));
  await streamConvert('table', from, to, Readable.from(chunks.map((c) => Buffer.from(c))), out);
  return Buffer.concat(collected).toString('utf8');
}

describe('table formats', () => {
  test.each(corpora)('%s: every format converts to every reachable format and back to an equal table', async (_name, text) => {
    const rows = csvToRows(text);
    for (const to of f.reachable('table', 'rows')) {
      if (to.startsWith('column.names') || to === 'csv' || to === 'tsv') continue;
      const there = await f.convert('table', 'rows', to, rows);
      const back = (await f.convert('table', to, 'rows', there)) as IRows;
      // objectlist-based formats keep fields in first-seen order of the values that are set.
      expect(back.rows).toEqual(rows.rows.map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined))));
    }
    for (const fmt of ['csv', 'tsv']) {
      const written = (await f.convert('table', 'rows', fmt, rows)) as string;
      expect(await f.convert('table', fmt, 'rows', written)).toEqual(rows);
    }
  });

  test('rows -> csv writes like Python: \\r\\n, minimal quoting with doubled quotes, None empty, booleans as True/False', () => {
    const rows = { fields: ['a', 'b', 'c'], rows: [{ a: 'x,y', b: 'say "hi"', c: null }, { a: 'multi\nline', b: true, c: 2.5 }] };
    expect(rowsToCsv(rows)).toBe('a,b,c\r\n"x,y","say ""hi""",\r\n"multi\nline",True,2.5\r\n');
    expect(rowsToCsv({ fields: ['only'], rows: [{ only: '' }] })).toBe('only\r\n""\r\n');
  });

  test('an unterminated quote is a ValidationError with its line and column', () => {
    let err: ValidationError | undefined;
    try {
      csvToRows('a,b\n1,2\n3,"oops\n4,5\n');
    } catch (e) {
      err = e as ValidationError;
    }
    expect(err).toBeInstanceOf(ValidationError);
    expect(err!.message).toMatch(/^Invalid csv text \(type "table"\) at line 3, column 3: /);
    expect(err!.context).toMatchObject({ type: 'table', format: 'csv', line: 3, column: 3 });
  });

  test('a row with more cells than the header is refused, naming its line; fewer cells leave null', () => {
    expect(() => csvToRows('a,b\n1,2\n3,4,5\n')).toThrow(/at line 3: expected 2 cells as in the header, got 3/);
    expect(csvToRows('a,b\n1\n').rows).toEqual([{ a: 1, b: null }]);
  });

  test('objectlist.bson round-trips documents with ObjectIds as extended JSON', async () => {
    const list = [{ _id: { $oid: '530cdb1add29bc5628984303' }, foo: 1.5, nested: { x: 'y' } }];
    const bytes = (await f.convert('table', 'objectlist', 'objectlist.bson', list)) as Buffer;
    expect(bytes[4]).toBe(0x07); // the first element is an ObjectId
    expect(await f.convert('table', 'objectlist.bson', 'objectlist', bytes)).toEqual(list);
    expect(await f.convert('table', 'objectlist.bson', 'rows', bytes)).toEqual({
      fields: ['_id', 'foo', 'nested.x'],
      rows: [{ _id: { $oid: '530cdb1add29bc5628984303' }, foo: 1.5, 'nested.x': 'y' }],
    });
    await expect(Promise.resolve().then(() => f.convert('table', 'objectlist.bson', 'objectlist', Buffer.from([9, 0, 0, 0, 1])))).rejects.toThrow(/claims 9 bytes/);
  });

  test.each(corpora)('%s: streaming gives byte for byte what the in-memory conversion gives, whatever the chunk size', async (_name, text) => {
    for (const to of ['jsonlines', 'rows.json', 'objectlist.json', 'tsv']) {
      expect(canStream('table', 'csv', to)).toBe(true);
      const whole = (await f.convert('table', 'csv', to, text)) as string;
      for (const size of [7, 4096, 1 << 20]) expect(await streamed('csv', to, text, size)).toBe(whole);
    }
  });

  test('streaming handles a chunk boundary inside a quoted field with a comma, a quote and a line break', async () => {
    const text = 'id,note\n1,"a, b ""quoted""\nsecond line"\n2,plain\n';
    const whole = (await f.convert('table', 'csv', 'jsonlines', text)) as string;
    expect(whole).toBe('{"id":1,"note":"a, b \\"quoted\\"\\nsecond line"}\n{"id":2,"note":"plain"}\n');
    for (let size = 1; size < text.length; size++) expect(await streamed('csv', 'jsonlines', text, size)).toBe(whole);
  });
});
