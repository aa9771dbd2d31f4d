import { NamedRegistry } from '../named-registry';
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
export class IoRegistry extends NamedRegistry<IIoMode> {
  constructor() {
    super('binding mode');
  }
}
