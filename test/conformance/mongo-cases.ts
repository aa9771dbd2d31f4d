/**
 * Girder Worker's cases that read and write MongoDB collections (`requires: ["mongodb"]`), run
 * against a real FerretDB: the case's `setup` collections are written first (their documents in
 * MongoDB extended JSON), its mongodb bindings are pointed at that server, and its checks read the
 * collections back.
 */
import { EJSON } from 'bson';
import { MongoClient } from 'mongodb';
import type { IBinding } from '@taskcell/core';
import { onDemand, startFerretDb } from '../services/ferretdb';
import { assertOp } from './harness';
import type { ICase } from './harness';
import { runCase } from './gw-run';
import type { ScriptLanguage } from './gw-run';

type Json = Record<string, unknown>;

const ferretDb = onDemand(startFerretDb);

/** Values as MongoDB's relaxed extended JSON shows them (`{"$oid": ...}` for an ObjectId). */
const asEjson = (v: unknown): unknown => EJSON.serialize(v, { relaxed: true });

/** Run one mongodb case; `read` reads an assertion target that is not a collection off the run's outputs. */
export async function mongoCase(
  c: ICase,
  language: ScriptLanguage,
  read: (target: string, outputs: Record<string, Json>) => unknown,
): Promise<void> {
  const server = await ferretDb();
  const setup = c.setup as { db: string; collections: Record<string, Json[]> };
  const client = new MongoClient(server.uri);
  try {
    const db = client.db(setup.db);
    for (const [name, docs] of Object.entries(setup.collections)) {
      await db.collection(name).deleteMany({});
      await db.collection(name).insertMany(EJSON.deserialize(docs) as Json[]);
    }
    const here = (bindings: Json) =>
      Object.fromEntries(
        Object.entries(bindings).map(([k, b]) => [k, (b as IBinding).mode === 'mongodb' ? { ...(b as Json), host: server.host } : b]),
      );
    const r = await runCase(c, here(c.input as Json), here(c.outputs ?? {}) as Record<string, IBinding>, language);
    const outputs = r.outputs as unknown as Record<string, Json>;
    for (const [port, want] of Object.entries((c.expected as Json | null) ?? {})) {
      expect(asEjson({ format: outputs[port].format, data: outputs[port].data })).toEqual(want);
    }
    for (const a of c.assertions ?? []) {
      const m = /^mongodb (\w+)\.(\w+) find\(\) documents$/.exec(a.target);
      if (m) {
        const docs = await client.db(m[1]).collection(m[2]).find().toArray();
        // Girder Worker's documents keep their key order (_id, bar, foo) through the round trip.
        expect(docs.map((d) => Object.keys(d))).toEqual((a.value as Json[]).map((d) => Object.keys(d)));
        assertOp(asEjson(docs), a.op, a.value);
      } else assertOp(read(a.target, outputs), a.op, a.value);
    }
  } finally {
    await client.close();
  }
}
