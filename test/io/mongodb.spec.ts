/** The mongodb binding against a real FerretDB: collections read as tables in any format, written back, and its errors. */
import { CanceledError, IoError, createRunner, inline, mongodbMode, run, setRunner } from '@taskcell/core';
import type { IRows, Runner } from '@taskcell/core';
import { ObjectId } from 'bson';
import { MongoClient } from 'mongodb';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, freePort } from '../pool/redis';
import { startFerretDb } from '../services/ferretdb';
import type { IFerretDb } from '../services/ferretdb';

let server: IFerretDb;
let client: MongoClient;
let runner: Runner;

beforeAll(async () => {
  server = await startFerretDb();
  client = new MongoClient(server.uri);
  runner = createRunner({ cacheDir: mkdtempSync(join(tmpdir(), 'tc-mongo-')) });
  setRunner(runner);
}, 60_000);
afterAll(async () => {
  await client?.close();
  await server?.stop();
});

const identity = (type: string, format: string) => ({
  mode: 'javascript',
  script: 'out = t',
  inputs: [{ name: 't', type, format }],
  outputs: [{ name: 'out', type, format }],
});

async function fill(db: string, name: string, docs: Array<Record<string, unknown>>): Promise<void> {
  const c = client.db(db).collection(name);
  await c.deleteMany({});
  if (docs.length) await c.insertMany(docs);
}

test('the binding is registered on every runner', () => {
  expect(runner.io.get('mongodb')).toBe(mongodbMode);
});

test('the driver loads on first use of the binding, not with the package', () => {
  const core = join(ROOT, 'packages', 'core', 'lib', 'index.js');
  const script = `const core = require(${JSON.stringify(core)}); core.createRunner();
const loaded = () => Object.keys(require.cache).some((k) => k.includes('/node_modules/mongodb/'));
process.stdout.write(String(loaded()));`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.stdout).toBe('false');
});

test('a collection is read as an objectlist, documents and ObjectIds as the server holds them', async () => {
  const id = new ObjectId();
  await fill('io', 'people', [
    { _id: id, name: 'ada', age: 36 },
    { name: 'alan', age: 41, tags: ['x'] },
  ]);
  const r = await run(identity('table', 'objectlist'), {
    t: { mode: 'mongodb', host: server.host, db: 'io', collection: 'people' },
  });
  const out = r.data.out as Array<Record<string, unknown>>;
  expect(out).toHaveLength(2);
  expect((out[0]._id as ObjectId).equals(id)).toBe(true);
  expect(out.map(({ _id, ...rest }) => rest)).toEqual([
    { name: 'ada', age: 36 },
    { name: 'alan', age: 41, tags: ['x'] },
  ]);
});

test('a collection read in another format is converted to the port format (objectlist -> rows, csv)', async () => {
  await fill('io', 'points', [
    { _id: 1, x: 1, p: { q: 2 } },
    { _id: 2, x: 3, p: { q: 4 } },
  ]);
  const rows = await run(identity('table', 'rows'), {
    t: { mode: 'mongodb', host: `mongodb://${server.host}`, db: 'io', collection: 'points' },
  });
  expect(rows.data.out as IRows).toEqual({
    fields: ['_id', 'x', 'p.q'],
    rows: [
      { _id: 1, x: 1, 'p.q': 2 },
      { _id: 2, x: 3, 'p.q': 4 },
    ],
  });
  const csv = await run(identity('table', 'csv'), {
    t: { mode: 'mongodb', format: 'rows', host: server.host, db: 'io', collection: 'points' },
  });
  expect(csv.data.out).toBe('_id,x,p.q\r\n1,1,2\r\n2,3,4\r\n');
});

test('objectlist.bson gets the BSON documents one after another', async () => {
  await fill('io', 'raw', [{ _id: 7, a: 'b' }]);
  const r = await run(identity('table', 'objectlist.bson'), {
    t: { mode: 'mongodb', host: server.host, db: 'io', collection: 'raw' },
  });
  const bytes = r.data.out as Buffer;
  expect(Buffer.isBuffer(bytes)).toBe(true);
  expect(bytes.readInt32LE(0)).toBe(bytes.length);
  expect(await runner.formats.convert('table', 'objectlist.bson', 'objectlist', bytes)).toEqual([{ _id: 7, a: 'b' }]);
});

test('an output replaces the collection with its documents, from any table format', async () => {
  await fill('io', 'out', [{ _id: 99, old: true }]);
  const r = await run(
    identity('table', 'csv'),
    { t: inline('a,b\n1,x\n2,y\n', 'csv') },
    { out: { mode: 'mongodb', host: server.host, db: 'io', collection: 'out' } },
    { cache: false },
  );
  expect(r.outputs.out).toEqual({ mode: 'mongodb', format: 'csv', host: server.host, db: 'io', collection: 'out' });
  const docs = await client
    .db('io')
    .collection('out')
    .find({}, { projection: { _id: 0 } })
    .toArray();
  expect(docs).toEqual([
    { a: 1, b: 'x' },
    { a: 2, b: 'y' },
  ]);
});

test('an empty output leaves an empty collection, and writing to a new collection makes it', async () => {
  await fill('io', 'gone', [{ _id: 1 }]);
  await run(
    identity('table', 'objectlist'),
    { t: inline([], 'objectlist') },
    { out: { mode: 'mongodb', host: server.host, db: 'io', collection: 'gone' } },
    { cache: false },
  );
  expect(await client.db('io').collection('gone').countDocuments()).toBe(0);
  await run(
    identity('table', 'objectlist'),
    { t: inline([{ k: 1 }], 'objectlist') },
    { out: { mode: 'mongodb', host: server.host, db: 'io', collection: 'fresh' } },
    { cache: false },
  );
  expect(
    await client
      .db('io')
      .collection('fresh')
      .find({}, { projection: { _id: 0 } })
      .toArray(),
  ).toEqual([{ k: 1 }]);
});

test('a binding without db or collection is an IoError naming the key', async () => {
  const err = await run(identity('table', 'objectlist'), { t: { mode: 'mongodb', host: server.host, db: 'io' } }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(IoError);
  expect((err as IoError).message).toBe('A mongodb binding for port "t" needs a "collection" string, got undefined');
});

test('a server that does not answer is an IoError naming the collection and host, with the cause', async () => {
  const port = await freePort();
  const err = await run(identity('table', 'objectlist'), {
    t: { mode: 'mongodb', host: `127.0.0.1:${port}`, db: 'io', collection: 'people' },
  }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(IoError);
  expect((err as IoError).message).toMatch(
    new RegExp(`^Cannot read input "t" from MongoDB collection io\\.people at mongodb://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`),
  );
  expect((err as IoError).context).toMatchObject({ port: 't', db: 'io', collection: 'people' });
}, 60_000);

test('cancelling while the server is being looked for ends the job CANCELED at once', async () => {
  const port = await freePort();
  const controller = new AbortController();
  const started = Date.now();
  setTimeout(() => controller.abort(), 300);
  const err = await run(
    identity('table', 'objectlist'),
    { t: { mode: 'mongodb', host: `127.0.0.1:${port}`, db: 'io', collection: 'people' } },
    { signal: controller.signal, cache: false },
  ).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(CanceledError);
  expect(Date.now() - started).toBeLessThan(5000);
});
