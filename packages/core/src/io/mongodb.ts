import { IoError } from '../errors';
import { bsonToObjectlist } from '../formats/table/objectlist';
import type { IBinding, IPortSpec } from '../spec';
import type { IIoContext, IIoMode } from './registry';

/** The parts of the `mongodb` driver this binding uses (the driver itself loads on first use). */
type MongoDriver = typeof import('mongodb');
type MongoClient = import('mongodb').MongoClient;

/**
 * `mongodb`: a MongoDB collection (`db`, `collection`, and `host`, a host name or a `mongodb://`
 * URI, `localhost` by default), as Girder Worker's mongodb mode. Fetching reads every document
 * (`find()`) in the binding's format: `objectlist.bson` gets the documents' BSON bytes one after
 * another, as the server sent them; any other format gets the documents as an objectlist, converted
 * to it. Pushing replaces the collection's documents with the output's (the collection is dropped,
 * then the documents inserted). The official driver is loaded on the first use of this mode.
 */
export const mongodbMode: IIoMode = {
  name: 'mongodb',
  async fetch(binding, port, { formats, job }) {
    const where = Private.where(binding, port);
    const format = binding.format ?? port.format;
    const data = await Private.withCollection(where, port, 'read input', job.signal, async (client) => {
      const collection = client.db(where.db).collection(where.collection);
      if (format === 'objectlist.bson') {
        const docs = await collection.find({}, { raw: true, signal: job.signal }).toArray();
        return Buffer.concat(docs as unknown as Buffer[]);
      }
      return collection.find({}, { signal: job.signal }).toArray();
    });
    if (format === 'objectlist.bson' || format === 'objectlist') return { data };
    return { data: await formats.convert(port.type, 'objectlist', format, data, { port: port.id }) };
  },
  async push(binding, port, data, context) {
    const where = Private.where(binding, port);
    const docs = await Private.documents(binding.format ?? port.format, port, data, context);
    await Private.withCollection(where, port, 'write output', context.job.signal, async (client) => {
      const collection = client.db(where.db).collection(where.collection);
      await collection.drop().catch((err: { codeName?: string }) => {
        // Dropping a collection that does not exist is not an error here.
        if (err.codeName !== 'NamespaceNotFound') throw err;
      });
      if (docs.length) await collection.insertMany(docs, { ordered: true });
    });
    const { data: _omit, ...rest } = binding;
    return { ...rest, mode: 'mongodb' };
  },
};

namespace Private {
  /** Where a binding points. */
  export interface IWhere {
    uri: string;
    db: string;
    collection: string;
  }

  /** Read `db`, `collection` and `host` off a binding, or say which is missing. */
  export function where(binding: IBinding, port: IPortSpec): IWhere {
    for (const key of ['db', 'collection'] as const) {
      if (typeof binding[key] !== 'string' || binding[key] === '') {
        throw new IoError(`A mongodb binding for port "${port.id}" needs a "${key}" string, got ${JSON.stringify(binding[key])}`, {
          port: port.id,
        });
      }
    }
    const host = binding.host ?? 'localhost';
    if (typeof host !== 'string' || host === '') {
      throw new IoError(
        `A mongodb binding's "host" for port "${port.id}" must be a host name or a mongodb:// URI, got ${JSON.stringify(host)}`,
        {
          port: port.id,
        },
      );
    }
    const uri = /^mongodb(\+srv)?:\/\//.test(host) ? host : `mongodb://${host}`;
    return { uri, db: binding.db as string, collection: binding.collection as string };
  }

  let driver: Promise<MongoDriver> | undefined;

  /** The driver, imported once. */
  export function loadDriver(): Promise<MongoDriver> {
    return (driver ??= import('mongodb'));
  }

  /** Connect, run `work`, and close the connection whatever happens; failures become an IoError naming the collection. */
  export async function withCollection<T>(
    w: IWhere,
    port: IPortSpec,
    doing: string,
    signal: AbortSignal,
    work: (client: MongoClient) => Promise<T>,
  ): Promise<T> {
    const { MongoClient } = await loadDriver();
    const client = new MongoClient(w.uri, { serverSelectionTimeoutMS: 10_000 });
    const onAbort = () => void client.close(true);
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      await client.connect();
      return await work(client);
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      throw new IoError(
        `Cannot ${doing} "${port.id}" ${doing.startsWith('read') ? 'from' : 'to'} MongoDB collection ${w.db}.${w.collection} at ${redact(w.uri)}: ${(err as Error).message}`,
        { port: port.id, db: w.db, collection: w.collection, host: redact(w.uri) },
        { cause: err },
      );
    } finally {
      signal.removeEventListener('abort', onAbort);
      await client.close();
    }
  }

  /** The documents an output holds: BSON bytes decoded, anything else converted to an objectlist. */
  export async function documents(
    format: string,
    port: IPortSpec,
    data: unknown,
    { formats }: IIoContext,
  ): Promise<Array<Record<string, unknown>>> {
    if (format === 'objectlist.bson') return bsonToObjectlist(data as Uint8Array | string);
    const list = format === 'objectlist' ? data : await formats.convert(port.type, format, 'objectlist', data, { port: port.id });
    if (!Array.isArray(list)) {
      throw new IoError(`A mongodb output "${port.id}" must be a list of documents, got ${typeof list}`, { port: port.id, format });
    }
    return list as Array<Record<string, unknown>>;
  }

  /** The URI without its password, for messages. */
  export function redact(uri: string): string {
    return uri.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
  }
}
