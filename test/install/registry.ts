// A registry for one npm scope, serving packed tarballs as if they had been published: npm asks it
// for `@taskcell/*` (through `@taskcell:registry=`) and the public registry for everything else,
// so an install from packed files resolves the workspace's packages exactly as users would get
// them after `npm publish`, and never through a workspace link.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { basename } from 'node:path';

/** One packed tarball, as `npm pack --json` describes it. */
export interface IPacked {
  name: string;
  version: string;
  filename: string;
  integrity: string;
  shasum: string;
}

/** A running scope registry; `close()` is idempotent. */
export interface IScopeRegistry {
  /** The registry URL, for `@scope:registry=`. */
  url: string;
  /** The paths npm asked for, in order. */
  requests: string[];
  close(): Promise<void>;
}

/** The package.json inside a packed tarball (what npm would publish as the version's manifest). */
export function packedManifest(tarball: string): Record<string, unknown> {
  const r = spawnSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`Expected ${tarball} to hold package/package.json, got tar exit ${String(r.status)}: ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

/** Serve `packs` (paths of tarballs with their `npm pack --json` records) on a free loopback port. */
export async function startScopeRegistry(packs: { path: string; packed: IPacked }[]): Promise<IScopeRegistry> {
  // A fresh path per run, so no cached metadata from an earlier run can answer for this one.
  const base = `/${randomBytes(6).toString('hex')}`;
  const requests: string[] = [];
  let url = '';
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '').split('?')[0]);
    requests.push(path);
    const rest = path.startsWith(`${base}/`) ? path.slice(base.length + 1) : '';
    const tarball = packs.find((p) => rest === `${p.packed.name}/-/${basename(p.path)}`);
    if (tarball) {
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(readFileSync(tarball.path));
      return;
    }
    const versions = packs.filter((p) => p.packed.name === rest);
    if (versions.length === 0) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `not found: ${rest}` }));
      return;
    }
    const packument = {
      name: rest,
      'dist-tags': { latest: versions[versions.length - 1].packed.version },
      versions: Object.fromEntries(
        versions.map((p) => [
          p.packed.version,
          {
            ...packedManifest(p.path),
            _id: `${p.packed.name}@${p.packed.version}`,
            dist: {
              tarball: `${url}${p.packed.name}/-/${basename(p.path)}`,
              integrity: p.packed.integrity,
              shasum: p.packed.shasum,
            },
          },
        ]),
      ),
    };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(packument));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}${base}/`;
  let closed: Promise<void> | undefined;
  return {
    url,
    requests,
    close: () => (closed ??= new Promise<void>((r) => server.close(() => r()))),
  };
}
