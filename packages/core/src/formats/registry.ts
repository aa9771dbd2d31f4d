import { ConversionError, DuplicateError, TaskcellError, UnknownFormatError, ValidationError, describeValue } from '../errors';
import type { IErrorContext } from '../errors';
import type { IDisposable } from '../events';

/** Why a value is not valid: a message, and where in the text it broke when the format is text. */
export interface IValidationIssue {
  message: string;
  line?: number;
  column?: number;
}

/**
 * A validator answers `true` for valid data, or says why not (a string or an issue). It may throw;
 * a throw counts as invalid with the thrown message.
 */
export type Validator = (data: unknown) => true | string | IValidationIssue;

/** A type: a kind of data, such as `table`, with the format values of that type are held in natively. */
export interface ITypeDefinition {
  name: string;
  /** The in-memory format a TypeScript task receives when its port names only the type. */
  nativeFormat: string;
  description?: string;
}

/** A format of a type, such as `table`/`csv`, with its validator. */
export interface IFormatDefinition {
  type: string;
  format: string;
  validate: Validator;
  /** Data is bytes (a Buffer) rather than a string or an in-memory value. */
  binary?: boolean;
  /** The format is a text serialization (a string); used for reading files and http bodies. */
  text?: boolean;
  /** File extensions, without dots. */
  extensions?: string[];
  description?: string;
}

/** What a converter gets besides the data: where the conversion happens, for errors and temp files. */
export interface IConvertContext extends IErrorContext {
  /** A directory the converter may write into (directory formats, archives). */
  tempdir?: () => string;
}

/** A converter: one edge of a type's conversion graph. */
export interface IConverterDefinition {
  type: string;
  from: string;
  to: string;
  convert: (data: unknown, context: IConvertContext) => unknown;
  name?: string;
}

/** The formats and converters of one type. */
interface ITypeEntry {
  def: ITypeDefinition;
  formats: Map<string, IFormatDefinition>;
  /** Outgoing edges in registration order; path search visits them in that order. */
  edges: Map<string, IConverterDefinition[]>;
}

/**
 * The registry of types, formats, validators and converters. Conversion follows the shortest
 * converter path (fewest hops; among equals, the one whose edges were registered first), and paths
 * are cached until the registry changes. Everything registers through the same door, built-ins
 * included, and every registration returns a disposable.
 */
export class FormatRegistry {
  private typesByName = new Map<string, ITypeEntry>();
  private pathCache = new Map<string, string[] | null>();

  /** Register a type. */
  registerType(def: ITypeDefinition): IDisposable {
    if (this.typesByName.has(def.name)) {
      throw new DuplicateError(`Type "${def.name}" is already registered`, { type: def.name });
    }
    this.typesByName.set(def.name, { def, formats: new Map(), edges: new Map() });
    this.changed();
    return Private.once(() => {
      this.typesByName.delete(def.name);
      this.changed();
    });
  }

  /** Register a format of a registered type. */
  registerFormat(def: IFormatDefinition): IDisposable {
    const entry = this.entry(def.type);
    if (entry.formats.has(def.format)) {
      throw new DuplicateError(`Format "${def.type}.${def.format}" is already registered`, {
        type: def.type,
        format: def.format,
      });
    }
    entry.formats.set(def.format, def);
    this.changed();
    return Private.once(() => {
      if (entry.formats.get(def.format) === def) entry.formats.delete(def.format);
      this.changed();
    });
  }

  /** Register a converter between two registered formats of one type. */
  registerConverter(def: IConverterDefinition): IDisposable {
    const entry = this.entry(def.type);
    for (const f of [def.from, def.to]) {
      if (!entry.formats.has(f)) {
        throw new UnknownFormatError(`Unknown format "${def.type}.${f}" in converter ${def.from} -> ${def.to}`, {
          type: def.type,
          format: f,
        });
      }
    }
    const list = entry.edges.get(def.from) ?? [];
    list.push(def);
    entry.edges.set(def.from, list);
    this.changed();
    return Private.once(() => {
      const l = entry.edges.get(def.from);
      if (l)
        entry.edges.set(
          def.from,
          l.filter((c) => c !== def),
        );
      this.changed();
    });
  }

  /** True when the type is registered. */
  hasType(type: string): boolean {
    return this.typesByName.has(type);
  }

  /** True when the format is registered for the type. */
  hasFormat(type: string, format: string): boolean {
    return this.typesByName.get(type)?.formats.has(format) ?? false;
  }

  /** The names of all registered types. */
  types(): string[] {
    return [...this.typesByName.keys()];
  }

  /** The format names of a type. */
  formats(type: string): string[] {
    return [...this.entry(type).formats.keys()];
  }

  /** The type's definition. */
  type(type: string): ITypeDefinition {
    return this.entry(type).def;
  }

  /** A format's definition; throws UnknownFormatError when it is not registered. */
  format(type: string, format: string): IFormatDefinition {
    const entry = this.entry(type);
    const def = entry.formats.get(format);
    if (!def) {
      throw new UnknownFormatError(
        `Unknown format "${type}.${format}"; known formats of ${type}: ${[...entry.formats.keys()].join(', ')}`,
        { type, format },
      );
    }
    return def;
  }

  /** The native in-memory format of a type. */
  nativeFormat(type: string): string {
    return this.entry(type).def.nativeFormat;
  }

  /** Run the validator; `true` or the issue. Unknown type or format counts as invalid. */
  check(type: string, format: string, data: unknown): true | IValidationIssue {
    const def = this.typesByName.get(type)?.formats.get(format);
    if (!def) return { message: `unknown format "${type}.${format}"` };
    try {
      const r = def.validate(data);
      if (r === true) return true;
      return typeof r === 'string' ? { message: r } : r;
    } catch (err) {
      return { message: err instanceof Error ? err.message : String(err) };
    }
  }

  /** True when the data is valid for the type and format (Girder Worker's `isvalid`). */
  isValid(type: string, format: string, data: unknown): boolean {
    return this.check(type, format, data) === true;
  }

  /**
   * Throw a ValidationError naming the type, the format, what came and where it broke, unless the
   * data is valid. `what` names the data, e.g. `Input "a"`.
   */
  validate(type: string, format: string, data: unknown, context: IErrorContext = {}, what = 'Data'): void {
    this.format(type, format);
    const r = this.check(type, format, data);
    if (r === true) return;
    const where = r.line !== undefined ? ` at line ${r.line}${r.column !== undefined ? `, column ${r.column}` : ''}` : '';
    throw new ValidationError(
      `${what} (${describeValue(data)}) is not of the expected type ("${type}") and format ("${format}")${where}: ${r.message}`,
      { ...context, type, format, line: r.line, column: r.column },
    );
  }

  /**
   * The formats along the shortest converter path from `from` to `to`, both included, or null when
   * there is none. `[from]` when they are equal.
   */
  converterPath(type: string, from: string, to: string): string[] | null {
    const key = `${type}\u0000${from}\u0000${to}`;
    const hit = this.pathCache.get(key);
    if (hit !== undefined) return hit;
    const path = this.search(type, from, to);
    this.pathCache.set(key, path);
    return path;
  }

  /** True when a converter path exists (to `to`, or to any other format when `to` is omitted). */
  hasConverter(type: string, from: string, to?: string): boolean {
    if (to !== undefined) return this.converterPath(type, from, to) !== null;
    return (this.typesByName.get(type)?.edges.get(from)?.length ?? 0) > 0;
  }

  /**
   * Convert data along the shortest path. Returns the converted value, or a promise of it when a
   * converter on the path is asynchronous. Equal formats return the data itself.
   */
  convert(type: string, from: string, to: string, data: unknown, context: IConvertContext = {}): unknown {
    if (from === to) return data;
    const path = this.converterPath(type, from, to);
    if (!path) {
      this.format(type, from);
      this.format(type, to);
      throw new ConversionError(
        `No converter path for type "${type}" from format "${from}" to "${to}"; "${from}" converts to: ${this.reachable(type, from).join(', ') || 'nothing'}`,
        { ...context, type, format: from, to },
      );
    }
    const entry = this.entry(type);
    let value: unknown = data;
    for (let i = 0; i + 1 < path.length; i++) {
      const a = path[i];
      const b = path[i + 1];
      const conv = entry.edges.get(a)!.find((c) => c.to === b)!;
      if (Private.isThenable(value)) {
        value = value.then((v) => Private.step(conv, v, context));
      } else {
        value = Private.step(conv, value, context);
      }
    }
    return value;
  }

  /** Every format reachable from `from`, nearest first. */
  reachable(type: string, from: string): string[] {
    const entry = this.typesByName.get(type);
    if (!entry) return [];
    const seen = new Set([from]);
    const queue = [from];
    const out: string[] = [];
    while (queue.length) {
      const f = queue.shift()!;
      for (const c of entry.edges.get(f) ?? []) {
        if (!seen.has(c.to)) {
          seen.add(c.to);
          out.push(c.to);
          queue.push(c.to);
        }
      }
    }
    return out;
  }

  private search(type: string, from: string, to: string): string[] | null {
    const entry = this.typesByName.get(type);
    if (!entry || !entry.formats.has(from) || !entry.formats.has(to)) return null;
    if (from === to) return [from];
    const prev = new Map<string, string>([[from, from]]);
    const queue = [from];
    while (queue.length) {
      const f = queue.shift()!;
      for (const c of entry.edges.get(f) ?? []) {
        if (prev.has(c.to)) continue;
        prev.set(c.to, f);
        if (c.to === to) {
          const path = [to];
          let cur = to;
          while (cur !== from) {
            cur = prev.get(cur)!;
            path.unshift(cur);
          }
          return path;
        }
        queue.push(c.to);
      }
    }
    return null;
  }

  private entry(type: string): ITypeEntry {
    const entry = this.typesByName.get(type);
    if (!entry) {
      throw new UnknownFormatError(`Unknown type "${type}"; known types: ${[...this.typesByName.keys()].join(', ')}`, {
        type,
      });
    }
    return entry;
  }

  private changed(): void {
    this.pathCache.clear();
  }
}

namespace Private {
  export function once(fn: () => void): IDisposable {
    let done = false;
    return {
      dispose() {
        if (done) return;
        done = true;
        fn();
      },
      get isDisposed() {
        return done;
      },
    };
  }

  export function isThenable(v: unknown): v is Promise<unknown> {
    return typeof (v as { then?: unknown } | null)?.then === 'function';
  }

  export function step(conv: IConverterDefinition, value: unknown, context: IConvertContext): unknown {
    const fail = (err: unknown): never => {
      if (err instanceof TaskcellError) throw err;
      throw new ConversionError(
        `Converting type "${conv.type}" from "${conv.from}" to "${conv.to}" failed: ${err instanceof Error ? err.message : String(err)}`,
        { ...context, type: conv.type, format: conv.from, to: conv.to },
        { cause: err },
      );
    };
    try {
      const out = conv.convert(value, context);
      return isThenable(out) ? out.then(undefined, fail) : out;
    } catch (err) {
      return fail(err);
    }
  }
}
