import { lstatSync, readdirSync, readlinkSync, realpathSync } from 'node:fs';
import { isAbsolute, join, resolve, sep } from 'node:path';
import { IoError } from '../errors';
import type { IErrorContext } from '../errors';

/**
 * A name from outside (a server's Content-Disposition, a decoded URL segment, a spec's port
 * `filename`, an artifact name, an archive member, a container's output) that would be read or
 * written outside the directory it belongs in. `context.root` is that directory and `context.name`
 * the offending name.
 */
export class ContainmentError extends IoError {}

/** What is being placed, for messages and context. */
export interface IContainOptions {
  /** The kind of name, for the message: `server-sent file name`, `artifact name` (default `name`). */
  what?: string;
  /** More context for the error (port, url, task...). */
  context?: IErrorContext;
}

/**
 * The path `name` stands for under `root`, checked before anything is read or written there: every
 * symbolic link on the way is followed the way the kernel follows it (a link's `..` climbs from
 * where the link points, not from the link), and the result must lie strictly inside `root`'s real
 * path. Parts that do not exist yet are taken as they are, so a file about to be written is checked
 * too. An absolute or empty name, one that climbs out (`../x`, `a/../../x`) or one that reaches out
 * through a link (`l -> /etc`, chains of relative links) is refused with a ContainmentError naming
 * the root and the name. Returns the lexical destination (`root/name`). Synchronous: a few `lstat`s.
 */
export function contain(root: string, name: string, options: IContainOptions = {}): string {
  const base = resolve(root);
  const refuse = (why: string): never => Private.refuse(base, name, options, why);
  if (typeof name !== 'string' || name === '' || name.includes('\0')) refuse('is empty or not a file name');
  const slashed = name.replace(/\\/g, '/');
  if (slashed.startsWith('/') || /^[A-Za-z]:/.test(slashed) || isAbsolute(name)) refuse('is an absolute path');
  const dest = resolve(base, slashed);
  if (dest === base || !Private.inside(base, dest)) refuse('climbs out of its directory');
  const realBase = Private.realOrMissing(base);
  // The name as given, not normalized: `l/..` climbs from where the link `l` points.
  const real = Private.physical(realBase, slashed.split('/'), refuse);
  if (real === realBase || !Private.inside(realBase, real))
    refuse(`resolves through a symbolic link to ${JSON.stringify(real)}, outside it`);
  return dest;
}

/**
 * Check a path inside `root` that something else made (a container's output, an extracted tree)
 * before it is read: it must not itself be a symbolic link, and when it is a directory no link
 * anywhere inside it may resolve outside `root` (a link that stays inside is kept as it is).
 * Refuses with a ContainmentError; returns the number of entries looked at.
 */
export function containTree(root: string, path: string, options: IContainOptions = {}): number {
  const base = resolve(root);
  const realBase = realpathSync(base);
  const st = lstatSync(path);
  if (st.isSymbolicLink()) {
    Private.refuse(
      base,
      path,
      options,
      `is a symbolic link (to ${JSON.stringify(readlinkSync(path))}); expected a file or directory of its own`,
    );
  }
  if (!st.isDirectory()) return 1;
  let count = 1;
  // Directories are entered only as themselves (never through a link), so a real path plus names is real.
  const pending = [realpathSync(path)];
  while (pending.length) {
    const dir = pending.pop()!;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      count++;
      if (e.isDirectory()) pending.push(join(dir, e.name));
      else if (e.isSymbolicLink()) {
        const p = join(dir, e.name);
        const real = Private.physical(dir, [e.name], () => Private.refuse(base, p, options, 'has too many links'));
        if (!Private.inside(realBase, real))
          Private.refuse(base, p, options, `is a symbolic link that resolves to ${JSON.stringify(real)}, outside it`);
      }
    }
  }
  return count;
}

/** One member of an archive about to be extracted, for `ExtractionTree`. */
export interface ITreeMember {
  /** The member's name in the archive, `/`-separated. */
  name: string;
  /** A symbolic link's target, as stored. */
  symlink?: string;
  /** A hard link's target: another member's name, from the extraction root. */
  hardlink?: string;
}

/**
 * The tree an archive extraction is about to make, member by member, so each member is checked
 * against the extraction root as a whole before anything is written: the links the archive itself
 * makes are followed (with what is already on disk beneath them), so chained relative links
 * (`s -> a`, `l1 -> s/..`, `l2 -> l1/..`, ... `l8 -> l7/..`) cannot add up to a link out of the
 * root, and a member cannot be written through a link made by an earlier one.
 */
export class ExtractionTree {
  private readonly base: string;
  private readonly realBase: string;
  /** What the archive puts at each real path so far: a link's target, or 'other'. */
  private readonly made = new Map<string, { link: string } | 'other'>();
  private readonly lookup: Private.Lookup = (path) => this.made.get(path) ?? Private.disk(path);

  constructor(
    root: string,
    private readonly options: IContainOptions = {},
  ) {
    this.base = resolve(root);
    this.realBase = Private.realOrMissing(this.base);
  }

  /** Check one member and record it; returns where it is written (under the root as given). */
  add(member: ITreeMember): string {
    const name = member.name.replace(/\\/g, '/');
    const refuse = (why: string): never => Private.refuse(this.base, member.name, this.options, why);
    if (name.startsWith('/') || /^[A-Za-z]:/.test(name) || isAbsolute(name)) refuse('is an absolute path');
    const dest = resolve(this.base, name);
    if (!Private.inside(this.base, dest)) refuse('climbs out of its directory');
    // Where the member lands: its parent resolved through every link so far (the name as given, not
    // normalized: `l/..` climbs from where the link `l` points), then its own name.
    const rel = name.split('/').filter((p) => p !== '' && p !== '.');
    const last = rel.length ? rel[rel.length - 1] : undefined;
    const parent = Private.physical(this.realBase, last === undefined || last === '..' ? rel : rel.slice(0, -1), refuse, this.lookup);
    const real = last === undefined || last === '..' ? parent : join(parent, last);
    if (!Private.inside(this.realBase, real)) refuse(`would be written through a symbolic link to ${JSON.stringify(real)}, outside it`);
    if (member.symlink !== undefined) {
      const target = member.symlink.replace(/\\/g, '/');
      if (target.startsWith('/') || /^[A-Za-z]:/.test(target))
        refuse(`is a symbolic link to ${JSON.stringify(member.symlink)}, an absolute path`);
      const to = Private.physical(parent, [target], refuse, this.lookup);
      if (!Private.inside(this.realBase, to)) {
        refuse(`is a symbolic link to ${JSON.stringify(member.symlink)}, which resolves to ${JSON.stringify(to)}, outside it`);
      }
      this.made.set(real, { link: target });
    } else {
      if (member.hardlink !== undefined) {
        const target = member.hardlink.replace(/\\/g, '/');
        if (target.startsWith('/') || /^[A-Za-z]:/.test(target))
          refuse(`is a hard link to ${JSON.stringify(member.hardlink)}, an absolute path`);
        const to = Private.physical(this.realBase, [target], refuse, this.lookup);
        if (!Private.inside(this.realBase, to) || to === this.realBase) {
          refuse(`is a hard link to ${JSON.stringify(member.hardlink)}, which resolves to ${JSON.stringify(to)}, outside it`);
        }
      }
      this.made.set(real, 'other');
    }
    return dest;
  }
}

namespace Private {
  /** The most symbolic links followed in one resolution, as Linux's MAXSYMLINKS. */
  const MAX_LINKS = 40;

  export function inside(root: string, path: string): boolean {
    return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
  }

  export function refuse(root: string, name: string, options: IContainOptions, why: string): never {
    const what = options.what ?? 'name';
    throw new ContainmentError(`The ${what} ${JSON.stringify(name)} ${why}; expected it to stay inside ${JSON.stringify(root)}`, {
      ...(options.context ?? {}),
      root,
      name,
      reason: why,
    });
  }

  /** What is at a path: a link (with its target), something else, or nothing. */
  export type Lookup = (path: string) => { link: string } | 'other' | 'missing';

  /** The disk as it is. */
  export const disk: Lookup = (path) => {
    const st = lstatSync(path, { throwIfNoEntry: false });
    if (st === undefined) return 'missing';
    return st.isSymbolicLink() ? { link: readlinkSync(path) } : 'other';
  };

  /**
   * Resolve `parts` from the real directory `start` as the kernel would: an existing link is
   * replaced by its target (an absolute one restarts from `/`), `..` goes to the real parent. Parts
   * below one that does not exist are appended as they are (nothing there can be a link yet).
   */
  export function physical(start: string, parts: string[], refuse: (why: string) => never, lookup: Lookup = disk): string {
    let cur = start;
    const queue = parts.flatMap((p) => p.split('/'));
    let links = 0;
    let missing = false;
    while (queue.length) {
      const p = queue.shift()!;
      if (p === '' || p === '.') continue;
      if (p === '..') {
        cur = resolve(cur, '..');
        continue;
      }
      const next = join(cur, p);
      if (!missing) {
        const at = lookup(next);
        if (at === 'missing') missing = true;
        else if (at !== 'other') {
          if (++links > MAX_LINKS) refuse(`goes through more than ${MAX_LINKS} symbolic links`);
          queue.unshift(...at.link.split('/'));
          if (at.link.startsWith('/')) cur = '/';
          continue;
        }
      }
      cur = next;
    }
    return cur;
  }

  /** The real path of `path`, or of its deepest existing ancestor with the rest appended. */
  export function realOrMissing(path: string): string {
    const rest: string[] = [];
    let cur = resolve(path);
    for (;;) {
      try {
        return join(realpathSync(cur), ...rest.reverse());
      } catch {
        const parent = resolve(cur, '..');
        if (parent === cur) return join(cur, ...rest.reverse());
        rest.push(cur.slice(parent.length).replace(/^[\\/]/, ''));
        cur = parent;
      }
    }
  }
}
