import { DuplicateError, OptionError } from '../errors';
import type { IDisposable } from '../events';
import type { FormatRegistry } from '../formats/registry';
import type { IBinding, IPortSpec } from '../spec';
import type { ITaskContext } from '../job';
import type { FetchCache } from '../cache/fetch-cache';

/** What an io mode gets to work with. */
export interface IIoContext {
  job: ITaskContext;
  formats: FormatRegistry;
  fetchCache: FetchCache;
}

/** What fetching an input produced: a value in memory, or a file (for `filepath` ports). */
export type Fetched = { data: unknown } | { file: string };

/** One way to bring input data in and send output data out (inline, local, http, ...). */
export interface IIoMode {
  name: string;
  /** True when a binding of this mode already holds its data (no FETCHING_INPUT phase). */
  hasData?(binding: IBinding): boolean;
  /** Bring an input in. For a `filepath` port, return a file where possible. */
  fetch(binding: IBinding, port: IPortSpec, context: IIoContext): Promise<Fetched> | Fetched;
  /** Send an output out; the returned binding describes where it went (without `data`). */
  push(binding: IBinding, port: IPortSpec, data: unknown, context: IIoContext): Promise<IBinding> | IBinding;
}

/** The io modes by name. */
export class IoRegistry {
  private modes = new Map<string, IIoMode>();

  /** Register a mode; dispose the result to remove it. */
  register(mode: IIoMode): IDisposable {
    if (this.modes.has(mode.name)) throw new DuplicateError(`IO mode "${mode.name}" is already registered`, { mode: mode.name });
    this.modes.set(mode.name, mode);
    let done = false;
    return {
      dispose: () => {
        if (done) return;
        done = true;
        if (this.modes.get(mode.name) === mode) this.modes.delete(mode.name);
      },
    };
  }

  /** The mode; an OptionError naming the known modes when it is absent. */
  get(name: string): IIoMode {
    const m = this.modes.get(name);
    if (!m) {
      throw new OptionError(`Unknown binding mode "${name}"; known modes: ${[...this.modes.keys()].join(', ')}`, { mode: name });
    }
    return m;
  }
}
