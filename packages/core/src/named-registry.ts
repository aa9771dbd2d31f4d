import { DuplicateError, OptionError } from './errors';
import type { IDisposable } from './events';

/**
 * Things registered by name (task modes, io modes), each registration returning a disposable.
 * Built-ins register through the same door as plugins.
 */
export class NamedRegistry<T extends { name: string }> {
  private items = new Map<string, T>();

  /** @param kind - what the items are, for messages: "task mode", "binding mode". */
  constructor(private readonly kind: string) {}

  /** Register an item; dispose the result to remove it. */
  register(item: T): IDisposable {
    if (this.items.has(item.name)) {
      throw new DuplicateError(`The ${this.kind} "${item.name}" is already registered`, { [this.kind]: item.name });
    }
    this.items.set(item.name, item);
    let done = false;
    return {
      dispose: () => {
        if (done) return;
        done = true;
        if (this.items.get(item.name) === item) this.items.delete(item.name);
      },
      get isDisposed() {
        return done;
      },
    };
  }

  /** True when an item of that name is registered. */
  has(name: string): boolean {
    return this.items.has(name);
  }

  /** The registered names. */
  names(): string[] {
    return [...this.items.keys()];
  }

  /** The item; an OptionError naming the registered ones when it is absent. `where` says where the name came from. */
  get(name: string, where?: string): T {
    const item = this.items.get(name);
    if (!item) {
      throw new OptionError(`Unknown ${this.kind} "${name}"${where ? ` ${where}` : ''}; registered: ${this.names().join(', ')}`, {
        [this.kind]: name,
      });
    }
    return item;
  }
}
