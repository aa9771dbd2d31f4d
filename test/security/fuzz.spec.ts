// Property-based fuzzing of every text and binary decoder: any input either decodes or is refused
// with a typed ValidationError or ConversionError. Each decoder is called as its registered
// converter, without the registry's own wrapping of stray errors, after the format's validator.
// Inputs are valid samples mutated (bytes or characters flipped, inserted, deleted, spliced,
// truncated) and random text or bytes.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { FormatRegistry, TaskcellError, registerBuiltinFormats } from '@taskcell/core';
import type { IConverterDefinition, IRgbaImage } from '@taskcell/core';

const CASES = Number(process.env.FUZZ_CASES ?? 10_000);
const dir = mkdtempSync(join(tmpdir(), 'tc-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const registry = new FormatRegistry();
const converters = new Map<string, IConverterDefinition>();
const register = registry.registerConverter.bind(registry);
registry.registerConverter = (def) => {
  converters.set(`${def.type}:${def.from}>${def.to}`, def);
  return register(def);
};
registerBuiltinFormats(registry);

/** Convert through the registry (for samples), awaiting asynchronous converters. */
const make = async (type: string, from: string, to: string, data: unknown): Promise<unknown> =>
  await registry.convert(type, from, to, data, { tempdir: () => dir });

interface IDecoder {
  type: string;
  format: string;
  to: string;
  /** Valid inputs to mutate. */
  samples: () => Promise<Array<string | Uint8Array>>;
  /** Characters that matter to the format, for inserted text. */
  alphabet?: string;
  /** Archives are paths: the bytes go to a file first. */
  file?: string;
}

const ROWS = {
  fields: ['a', 'b c', 'd'],
  rows: [
    { a: 1, 'b c': 'x,"y"', d: true },
    { a: -2.5e-3, 'b c': 'é\n', d: null },
  ],
};
const TREE = {
  node_data: { 'node name': 'root' },
  children: [
    { node_data: { 'node name': 'a b' }, edge_data: { weight: 1.5 } },
    {
      node_data: { 'node name': 'c' },
      edge_data: { weight: 2 },
      children: [{ node_data: { 'node name': "d'e" }, edge_data: { weight: 0.25 } }],
    },
  ],
};
const GRAPH = {
  directed: true,
  multigraph: false,
  graph: { name: 'g' },
  nodes: [{ id: 'a', color: 'red' }, { id: 'b' }, { id: 'c d' }],
  edges: [
    { source: 'a', target: 'b', weight: 2 },
    { source: 'b', target: 'c d' },
  ],
};
const IMAGE: IRgbaImage = {
  width: 5,
  height: 3,
  channels: 4,
  data: Uint8Array.from({ length: 60 }, (_, i) => (i * 37) % 256),
};

/** A sample in a text format, written from a value in the type's native format. */
const NATIVE: Record<string, [string, unknown]> = { table: ['rows', ROWS], tree: ['nested', TREE], graph: ['networkx', GRAPH] };
const text = (type: string, format: string) => async () => [String(await make(type, NATIVE[type][0], format, NATIVE[type][1]))];

const DECODERS: IDecoder[] = [
  { type: 'table', format: 'csv', to: 'rows', samples: text('table', 'csv'), alphabet: ',"\n\r\t 1.-eé\\' },
  { type: 'table', format: 'tsv', to: 'rows', samples: text('table', 'tsv'), alphabet: '\t"\n\r, 1.-e' },
  { type: 'table', format: 'jsonlines', to: 'objectlist', samples: text('table', 'jsonlines'), alphabet: '{}[]":,\n 1.-e\\utrunfals' },
  { type: 'tree', format: 'newick', to: 'nested', samples: text('tree', 'newick'), alphabet: "();:,[]' \n1.-e_" },
  { type: 'tree', format: 'nexus', to: 'nested', samples: text('tree', 'nexus'), alphabet: "();:,[]'=; \n#ENDBGINTRSAXLbegin" },
  { type: 'tree', format: 'phyloxml', to: 'nested', samples: text('tree', 'phyloxml'), alphabet: '<>/="\' &;!-?[]CDAT\nclade' },
  { type: 'graph', format: 'graphml', to: 'networkx', samples: text('graph', 'graphml'), alphabet: '<>/="\' &;!-?\nnodeedgkyi' },
  { type: 'graph', format: 'adjacencylist', to: 'networkx', samples: text('graph', 'adjacencylist'), alphabet: ' \t\n#{}:,"1' },
  { type: 'image', format: 'png', to: 'pil', samples: async () => [(await make('image', 'pil', 'png', IMAGE)) as Uint8Array] },
  { type: 'image', format: 'jpeg', to: 'pil', samples: async () => [(await make('image', 'pil', 'jpeg', IMAGE)) as Uint8Array] },
  {
    type: 'table',
    format: 'objectlist.bson',
    to: 'objectlist',
    samples: async () => [(await make('table', 'rows', 'objectlist.bson', ROWS)) as Uint8Array],
  },
  { type: 'directory', format: 'zip', to: 'path', file: 'zip', samples: () => archive('zip') },
  { type: 'directory', format: 'tgz', to: 'path', file: 'tgz', samples: () => archive('tgz') },
];

/** A small directory packed as a zip or tgz archive, as bytes. */
async function archive(format: 'zip' | 'tgz'): Promise<Uint8Array[]> {
  const src = join(dir, `src-${format}`);
  mkdirSync(join(src, 'sub'), { recursive: true });
  writeFileSync(join(src, 'a.txt'), 'hello\n');
  writeFileSync(join(src, 'sub', 'b.bin'), Buffer.from([0, 1, 2, 3, 255]));
  const path = (await make('directory', 'path', format, src)) as string;
  return [readFileSync(path)];
}

/** Edits applied to a sample: each at a position (taken modulo the length), of a kind, with a value. */
const edits = fc.array(fc.tuple(fc.nat(), fc.constantFrom('set', 'insert', 'delete', 'cut', 'copy'), fc.nat(255)), {
  minLength: 1,
  maxLength: 6,
});

function mutateBytes(seed: Uint8Array, ops: Array<[number, string, number]>): Uint8Array {
  let b = Buffer.from(seed);
  for (const [at, kind, v] of ops) {
    const i = b.length ? at % b.length : 0;
    if (kind === 'set' && b.length) b[i] = v;
    else if (kind === 'insert') b = Buffer.concat([b.subarray(0, i), Buffer.from([v]), b.subarray(i)]);
    else if (kind === 'delete') b = Buffer.concat([b.subarray(0, i), b.subarray(i + 1 + (v % 16))]);
    else if (kind === 'cut') b = b.subarray(0, i);
    else if (kind === 'copy') b = Buffer.concat([b.subarray(0, i), b.subarray((v * 7) % (b.length || 1)), b.subarray(i)]);
  }
  return b;
}

function mutateText(seed: string, alphabet: string, ops: Array<[number, string, number]>): string {
  let s = seed;
  for (const [at, kind, v] of ops) {
    const i = s.length ? at % s.length : 0;
    const c = v < 200 ? alphabet[v % alphabet.length] : String.fromCharCode(v * 13);
    if (kind === 'set') s = s.slice(0, i) + c + s.slice(i + 1);
    else if (kind === 'insert') s = s.slice(0, i) + c.repeat(1 + (v % 3)) + s.slice(i);
    else if (kind === 'delete') s = s.slice(0, i) + s.slice(i + 1 + (v % 16));
    else if (kind === 'cut') s = s.slice(0, i);
    else if (kind === 'copy') s = s.slice(0, i) + s.slice((v * 7) % (s.length || 1)) + s.slice(i);
  }
  return s;
}

function inputs(d: IDecoder, samples: Array<string | Uint8Array>): fc.Arbitrary<string | Uint8Array> {
  const seed = fc.constantFrom(...samples);
  if (typeof samples[0] === 'string') {
    const alphabet = d.alphabet ?? ' ';
    return fc.oneof(
      { weight: 6, arbitrary: fc.tuple(seed, edits).map(([s, ops]) => mutateText(s as string, alphabet, ops)) },
      { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom(...alphabet), maxLength: 60 }) },
      { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
    );
  }
  return fc.oneof(
    { weight: 6, arbitrary: fc.tuple(seed, edits).map(([s, ops]) => mutateBytes(s as Uint8Array, ops)) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(seed, fc.uint8Array({ maxLength: 64 }))
        .map(([s, tail]) => Buffer.concat([(s as Uint8Array).subarray(0, 8), tail])),
    },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }) },
  );
}

const TYPED = new Set(['taskcell:validation', 'taskcell:conversion']);
const totals = { decoders: 0, cases: 0, untyped: 0 };

afterAll(() => {
  process.stdout.write(`fuzz: ${totals.decoders} decoders, ${totals.cases} cases, ${totals.untyped} untyped errors\n`);
});

test.each(DECODERS.map((d) => [`${d.type}/${d.format}`, d] as const))(
  '%s: any input decodes or is refused with a typed error',
  async (_name, d) => {
    const convert = converters.get(`${d.type}:${d.format}>${d.to}`)!;
    expect(convert).toBeDefined();
    const samples = await d.samples();
    // The samples themselves decode.
    for (const s of samples) await decode(d, convert, s, 0);
    const untyped: string[] = [];
    let n = 0;
    await fc.assert(
      fc.asyncProperty(inputs(d, samples), async (input) => {
        n++;
        try {
          await decode(d, convert, input, n);
        } catch (err) {
          if (!(err instanceof TaskcellError && TYPED.has(err.code))) {
            if (untyped.length < 5)
              untyped.push(`${String(err)} for ${JSON.stringify(Buffer.from(input).toString('latin1').slice(0, 200))}`);
            else untyped.length++;
          }
        }
      }),
      { numRuns: CASES, seed: Number(process.env.FUZZ_SEED ?? 15) },
    );
    totals.decoders++;
    totals.cases += n;
    totals.untyped += untyped.length;
    expect(untyped).toEqual([]);
  },
  120_000,
);

/** Validate then convert one input; archives are written to a file and extracted beside it, then removed. */
async function decode(d: IDecoder, convert: IConverterDefinition, input: string | Uint8Array, n: number): Promise<void> {
  let data: unknown = input;
  let path: string | undefined;
  if (d.file) {
    path = join(dir, `case-${n}.${d.file}`);
    writeFileSync(path, input);
    data = path;
  }
  try {
    registry.validate(d.type, d.format, data);
    await convert.convert(data, { tempdir: () => dir });
  } finally {
    if (path) {
      rmSync(path, { force: true });
      rmSync(path.replace(/\.(zip|tgz)$/, ''), { recursive: true, force: true });
    }
  }
}
