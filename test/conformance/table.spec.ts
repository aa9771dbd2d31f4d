/**
 * Girder Worker's table tests: append_tables runs across formats, CSV sniffing, objectlist, jsonlines, column names, NaN, a big header,
 * and an R task copying an r.dataframe (rows -> csv -> data.frame in R and back), which runs in the r mode under both labels.
 */
import { createRunner, run, setRunner } from '@taskcell/core';
import type { IRows, Runner } from '@taskcell/core';
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { SHARED, assertOp, conformance } from './harness';
import type { ICase } from './harness';
import { runCase } from './gw-run';
import type { ScriptLanguage } from './gw-run';
import { mongoCase } from './mongo-cases';

type Json = Record<string, unknown>;
let runner: Runner;
beforeAll(() => {
  runner = createRunner({ cacheDir: mkdtempSync(join(tmpdir(), 'tc-table-')) });
  setRunner(runner);
});

/**
 * A convert case: inline input through the registry; an input given as a file of Girder Worker's
 * test data through a real file, a copy in a temp dir read by a local binding into a task whose
 * port wants the target format (the runner validates and converts it on the way in).
 */
async function convertCase(c: ICase): Promise<unknown> {
  const input = c.input as Json;
  if (!(input && typeof input === 'object' && typeof input.data_file === 'string')) {
    return runner.formats.convert(c.type!, c.from_format!, c.to_format!, c.input);
  }
  const path = join(mkdtempSync(join(tmpdir(), 'tc-table-in-')), basename(input.data_file));
  cpSync(join(SHARED, input.data_file), path);
  const task = {
    mode: 'javascript',
    script: 'out = t',
    inputs: [{ name: 't', type: c.type!, format: c.to_format! }],
    outputs: [{ name: 'out', type: c.type!, format: c.to_format! }],
  };
  const r = await run(task, { t: { mode: 'local', path, format: c.from_format! } }, { cache: false });
  return r.data.out;
}

/** Read an assertion target off a converted value or a run's outputs. */
function read(target: string, value: unknown, outputs: Record<string, Json> = {}): unknown {
  const rows = value as IRows;
  switch (target) {
    case 'data':
      return value;
    case 'data[:3]':
      return (value as unknown[]).slice(0, 3);
    case 'data.fields':
    case 'set(data.fields)':
      return rows.fields;
    case 'data.fields[:3]':
      return rows.fields.slice(0, 3);
    case 'data.rows':
      return rows.rows;
    case 'json.loads(data).fields':
      return JSON.parse(value as string).fields;
    case 'json.loads(data).fields[:3]':
      return JSON.parse(value as string).fields.slice(0, 3);
    case 'json.loads(data).rows':
      return JSON.parse(value as string).rows;
    case 'outputs.c.format':
      return outputs.c.format;
    case 'outputs.c.data':
      return outputs.c.data;
    case 'outputs.data.data.fields[:3]':
      return (outputs.data.data as IRows).fields.slice(0, 3);
    default:
      throw new Error(`no reading for ${target}`);
  }
}

const check = (language: ScriptLanguage) => async (c: ICase) => {
  if (c.requires?.includes('mongodb')) return mongoCase(c, language, (t, o) => read(t, undefined, o));
  if (c.kind === 'convert') {
    const value = await convertCase(c);
    if (c.expected !== null) expect(value).toEqual(c.expected);
    if (c.expected_after_roundtrip) {
      const back = c.expected_after_roundtrip as { to_format: string; data: unknown };
      expect(await runner.formats.convert(c.type!, c.to_format!, back.to_format, value)).toEqual(back.data);
    }
    const derived = c.derived as Json | undefined;
    if (derived?.data !== undefined) expect(value).toEqual(derived.data);
    if (derived?.first_row_first5 !== undefined) {
      const first = (value as IRows).rows[0];
      expect(Object.fromEntries((value as IRows).fields.slice(0, 5).map((f) => [f, first[f]]))).toEqual(derived.first_row_first5);
      const cells = (value as IRows).rows.flatMap((r) => Object.values(r));
      expect(cells.filter((v) => v === 'NaN').length).toBe(derived.nan_string_cells);
    }
    for (const a of c.assertions ?? []) {
      if (a.op === 'not_nan_or_inf') {
        const cells = (JSON.parse(value as string) as IRows).rows.flatMap((r) => Object.values(r));
        expect(cells.filter((v) => typeof v === 'number' && !Number.isFinite(v))).toEqual([]);
        // "NaN" cells stay strings.
        expect(cells.filter((v) => v === 'NaN').length).toBe((c.derived as Json).nan_string_cells);
      } else assertOp(read(a.target, value), a.op, a.value);
    }
    return;
  }
  if (c.name === 'table.TestTable.test_sniffer#flu_task') {
    // flu.py is not shipped; its JavaScript equivalent reads the same data file and drops the 11-line preamble.
    const data = join(SHARED, 'raw', 'tests', 'data');
    const task = {
      ...c.task,
      mode: 'javascript',
      script: `data = fs.readFileSync(${JSON.stringify(join(data, 'flutrends_us_data.txt'))}, 'utf8').split('\\n').slice(11).join('\\n')`,
    };
    const r = await run(task, {}, c.outputs as Json, { cache: false });
    expect((r.outputs.data.data as IRows).fields.slice(0, 3)).toEqual(['Date', 'United States', 'Alabama']);
    expect((r.outputs.data.data as IRows).fields.length).toBe((c.derived as Json).fields_count);
    expect((r.outputs.data.data as IRows).rows.length).toBe((c.derived as Json).rows_count);
    expect((r.outputs.data.data as IRows).rows[0]).toEqual((c.derived as Json).first_row);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'tc-table-out-'));
  const outputs = JSON.parse(JSON.stringify(c.outputs ?? {}).replace('<tmpfile>', join(dir, 'out.csv')));
  const inputs = Object.fromEntries(Object.entries(c.input as Json).map(([k, v]) => [k, (v as Json).from_case ? (v as Json).value : v]));
  const r = await runCase(c, inputs, outputs, language);
  const outs = r.outputs as unknown as Record<string, Json>;
  for (const [k, v] of Object.entries((c.expected as Json | null) ?? {})) expect(outs[k]).toEqual(v);
  for (const a of c.assertions ?? []) {
    if (a.target === 'file contents at <tmpfile>') {
      const text = readFileSync(join(dir, 'out.csv'), 'utf8');
      assertOp(text, a.op, a.value);
      expect(text).toBe((c.derived as Json).file_contents);
    } else assertOp(read(a.target, undefined, outs), a.op, a.value);
  }
  const derived = (c.derived as Json | undefined)?.data;
  if (derived !== undefined) expect(outs.c.data).toBe(derived);
};

const excluded = {};
conformance('table.json', check('javascript'), excluded);
conformance(
  'table.json',
  check('python'),
  {
    ...excluded,
    'table.TestTable.test_sniffer#flu_task':
      'flu.py is Python 2 only (it splits bytes by a str), and it is not shipped; the javascript run reads the same file',
  },
  { label: 'table.json (python)', only: (c) => c.kind === 'run' },
);
