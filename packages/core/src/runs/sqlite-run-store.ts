import { mkdirSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { StoreError } from './store-error';
import type { IRunQuery, IRunRecord, IRunStore } from './run-store';

/**
 * Run records in an embedded SQLite database (`.taskcell/runs.db` by default), through the
 * WebAssembly build of SQLite (`node-sqlite3-wasm`): it installs from npm alone on any machine, with
 * no compiler and no prebuilt binary to download, and reads and writes the database file directly.
 * Writes are batched: records put in one turn of the event loop go in one transaction.
 */
export class SqliteRunStore implements IRunStore {
  readonly path: string;
  private db: Private.IDatabase | undefined;
  private upsert: Private.IStatement | undefined;
  private pending = new Map<string, Partial<IRunRecord> & { id: string }>();
  private scheduled: NodeJS.Immediate | undefined;

  constructor(options: SqliteRunStore.IOptions) {
    this.path = options.path;
    if (!options.readOnly) mkdirSync(dirname(this.path), { recursive: true });
    Private.clearStaleLock(this.path);
    const { Database } = Private.sqlite();
    try {
      this.db = new Database(this.path, { readOnly: options.readOnly === true, fileMustExist: options.readOnly === true });
      if (!options.readOnly) {
        this.db.exec(Private.SCHEMA);
        Private.addColumns(this.db);
        this.upsert = this.db.prepare(Private.UPSERT);
      }
    } catch (err) {
      this.db?.close();
      this.db = undefined;
      throw new StoreError(`Cannot open the run database ${this.path}: ${(err as Error).message}`, { path: this.path }, { cause: err });
    }
  }

  put(record: Partial<IRunRecord> & { id: string }): void {
    const prev = this.pending.get(record.id);
    this.pending.set(record.id, prev ? Private.merge(prev, record) : { ...record });
    this.scheduled ??= setImmediate(() => {
      try {
        this.flush();
      } catch (err) {
        // A record that cannot be written must not stop the run it records.
        process.emitWarning(`taskcell: ${(err as Error).message}`);
      }
    });
    this.scheduled.unref?.();
  }

  flush(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    if (this.pending.size === 0 || !this.db || !this.upsert) return;
    const batch = [...this.pending.values()];
    this.pending.clear();
    this.db.exec('BEGIN');
    try {
      for (const r of batch) this.upsert.run(Private.row(r));
      this.db.exec('COMMIT');
    } catch (err) {
      this.db.exec('ROLLBACK');
      throw new StoreError(
        `Cannot write ${batch.length} run records to ${this.path}: ${(err as Error).message}`,
        { path: this.path },
        { cause: err },
      );
    }
  }

  get(id: string): IRunRecord | undefined {
    this.flush();
    const row = this.open().get('SELECT * FROM runs WHERE id = ?', [id]);
    return row ? Private.record(row) : undefined;
  }

  list(query: IRunQuery = {}): IRunRecord[] {
    this.flush();
    const where: string[] = [];
    const args: Private.SqlValue[] = [];
    const add = (clause: string, value: Private.SqlValue): void => {
      where.push(clause);
      args.push(value);
    };
    if (query.task !== undefined) add('task = ?', query.task);
    if (query.state !== undefined) add('state = ?', query.state);
    if (query.parentId !== undefined) add('parent_id = ?', query.parentId);
    if (query.specHash !== undefined) add('spec_hash = ?', query.specHash);
    if (query.since !== undefined) add('started >= ?', typeof query.since === 'number' ? query.since : query.since.getTime());
    const limit = query.limit ?? 1000;
    const sql = `SELECT * FROM runs${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY started DESC, id LIMIT ${Math.max(0, Math.floor(limit))}`;
    return this.open()
      .all(sql, args)
      .map((r) => Private.record(r));
  }

  close(): void {
    if (!this.db) return;
    try {
      this.flush();
    } finally {
      this.upsert?.finalize();
      this.upsert = undefined;
      this.db.close();
      this.db = undefined;
    }
  }

  private open(): Private.IDatabase {
    if (!this.db) throw new StoreError(`The run database ${this.path} is closed`, { path: this.path });
    return this.db;
  }
}

/** SqliteRunStore's options. */
export namespace SqliteRunStore {
  export interface IOptions {
    /** The database file (made with its folder when missing, unless read-only). */
    path: string;
    /** Open an existing database for reading only. */
    readOnly?: boolean;
  }
}

namespace Private {
  export type SqlValue = string | number | null;
  type Row = Record<string, SqlValue>;

  /** The part of node-sqlite3-wasm this store uses (the package ships no types). */
  export interface IStatement {
    run(values: SqlValue[]): unknown;
    finalize(): void;
  }
  export interface IDatabase {
    exec(sql: string): void;
    prepare(sql: string): IStatement;
    get(sql: string, values: SqlValue[]): Row | null;
    all(sql: string, values: SqlValue[]): Row[];
    close(): void;
  }

  /** Loaded on first use: the WebAssembly module takes a while to compile, and most processes never open the store. */
  export function sqlite(): { Database: new (path: string, options: { readOnly: boolean; fileMustExist: boolean }) => IDatabase } {
    return require('node-sqlite3-wasm') as ReturnType<typeof sqlite>;
  }

  /** How old a lock may be before it is taken for one left by a process that died: transactions last milliseconds. */
  const STALE_LOCK_MS = 60_000;

  /**
   * The WebAssembly SQLite locks a database with a `<db>.lock` folder, which a process killed
   * mid-transaction leaves behind; one older than a minute is removed, so the store does not stay
   * busy forever.
   */
  export function clearStaleLock(path: string): void {
    const lock = `${path}.lock`;
    try {
      if (Date.now() - statSync(lock).mtimeMs > STALE_LOCK_MS) rmSync(lock, { recursive: true, force: true });
    } catch {
      // No lock: nothing to clear.
    }
  }

  /** Columns, in order: [column, record field, how it is stored]. */
  const COLUMNS: Array<[string, keyof IRunRecord, 'text' | 'int' | 'json' | 'bool']> = [
    ['id', 'id', 'text'],
    ['kind', 'kind', 'text'],
    ['task', 'task', 'text'],
    ['parent_id', 'parentId', 'text'],
    ['step', 'step', 'text'],
    ['state', 'state', 'text'],
    ['spec_hash', 'specHash', 'text'],
    ['code_hash', 'codeHash', 'text'],
    ['input_hashes', 'inputHashes', 'json'],
    ['inputs', 'inputs', 'json'],
    ['outputs', 'outputs', 'json'],
    ['cached', 'cached', 'bool'],
    ['started', 'started', 'int'],
    ['ended', 'ended', 'int'],
    ['elapsed', 'elapsed', 'int'],
    ['place', 'place', 'json'],
    ['error', 'error', 'json'],
    ['notebook', 'notebook', 'text'],
    ['cell', 'cell', 'text'],
    ['spec', 'spec', 'json'],
  ];

  /** Columns added after the first schema, added to a database made before them. */
  const ADDED = ['spec'];

  export function addColumns(db: IDatabase): void {
    const have = new Set(db.all('PRAGMA table_info(runs)', []).map((r) => String(r.name)));
    for (const c of ADDED) if (!have.has(c)) db.exec(`ALTER TABLE runs ADD COLUMN ${c} TEXT`);
  }

  export const SCHEMA = `
    PRAGMA busy_timeout = 5000;
    CREATE TABLE IF NOT EXISTS runs (
      id TEXT PRIMARY KEY, kind TEXT, task TEXT, parent_id TEXT, step TEXT, state TEXT,
      spec_hash TEXT, code_hash TEXT, input_hashes TEXT, inputs TEXT, outputs TEXT, cached INTEGER,
      started INTEGER, ended INTEGER, elapsed INTEGER, place TEXT, error TEXT, notebook TEXT, cell TEXT, spec TEXT
    );
    CREATE INDEX IF NOT EXISTS runs_task ON runs (task, started);
    CREATE INDEX IF NOT EXISTS runs_started ON runs (started);
    CREATE INDEX IF NOT EXISTS runs_parent ON runs (parent_id);
    CREATE INDEX IF NOT EXISTS runs_spec ON runs (spec_hash);`;

  /**
   * Insert, or keep the stored value of every column the new record leaves empty. The first kind
   * said wins (a run started as a batch stays one), and the earliest start.
   */
  export const UPSERT =
    `INSERT INTO runs (${COLUMNS.map((c) => c[0]).join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')}) ` +
    `ON CONFLICT(id) DO UPDATE SET ${COLUMNS.slice(1)
      .map(([c]) =>
        c === 'kind'
          ? 'kind = COALESCE(kind, excluded.kind)'
          : c === 'started'
            ? 'started = COALESCE(MIN(started, excluded.started), started, excluded.started)'
            : `${c} = COALESCE(excluded.${c}, ${c})`,
      )
      .join(', ')}`;

  export function merge(a: Partial<IRunRecord> & { id: string }, b: Partial<IRunRecord>): Partial<IRunRecord> & { id: string } {
    const out: Record<string, unknown> = { ...a };
    for (const [k, v] of Object.entries(b)) if (v !== undefined) out[k] = v;
    if (a.kind !== undefined) out.kind = a.kind;
    if (a.started !== undefined && b.started !== undefined) out.started = Math.min(a.started, b.started);
    return out as Partial<IRunRecord> & { id: string };
  }

  export function row(r: Partial<IRunRecord>): SqlValue[] {
    return COLUMNS.map(([, field, how]) => {
      const v = r[field];
      if (v === undefined || v === null) return null;
      if (how === 'json') return JSON.stringify(v);
      if (how === 'bool') return v ? 1 : 0;
      return v as SqlValue;
    });
  }

  export function record(r: Row): IRunRecord {
    const out: Record<string, unknown> = {};
    for (const [column, field, how] of COLUMNS) {
      const v = r[column];
      if (v === null || v === undefined) continue;
      out[field] = how === 'json' ? JSON.parse(String(v)) : how === 'bool' ? v === 1 : how === 'int' ? Number(v) : v;
    }
    return out as unknown as IRunRecord;
  }
}
