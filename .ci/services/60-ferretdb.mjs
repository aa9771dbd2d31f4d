// FerretDB v1 for the mongodb binding's tests: a server that speaks the MongoDB wire protocol and
// keeps its data in SQLite files, so no other database server is needed. It is a Go module, built
// from the Go module proxy into .tools/bin (Go itself from Debian's golang-go when missing). The
// tests start their own server on a free loopback port with a temp data dir and stop it by pid.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensurePackages } from './_apt.mjs';

/** The FerretDB release the tests run against (v1: its SQLite backend needs no PostgreSQL). */
export const FERRETDB_VERSION = 'v1.24.2';
const MODULE = 'github.com/FerretDB/FerretDB';

export async function install({ sh, root }) {
  const ferretdb = join(root, '.tools', 'bin', 'ferretdb');
  const version = existsSync(ferretdb) ? spawnSync(ferretdb, ['--version'], { encoding: 'utf8' }).stdout : '';
  if (version.includes(`version: ${FERRETDB_VERSION}`)) return;
  if (spawnSync('go', ['version']).status !== 0) ensurePackages(sh, ['golang-go']);
  // `go install ...@version` builds a binary that refuses to start: FerretDB embeds its version from
  // build/version/version.txt, which its release process writes and the module does not ship. So
  // the module's source is copied out of the module cache, the file written, and the copy built.
  const download = spawnSync('go', ['mod', 'download', '-json', `${MODULE}@${FERRETDB_VERSION}`], { encoding: 'utf8' });
  if (download.status !== 0) throw new Error(`go mod download ${MODULE}@${FERRETDB_VERSION} failed: ${download.stderr}${download.stdout}`);
  const src = mkdtempSync(join(tmpdir(), 'ferretdb-src-'));
  try {
    cpSync(JSON.parse(download.stdout).Dir, src, { recursive: true, mode: 0 });
    sh('chmod', ['-R', 'u+w', src]);
    writeFileSync(join(src, 'build', 'version', 'version.txt'), `${FERRETDB_VERSION}\n`);
    mkdirSync(join(root, '.tools', 'bin'), { recursive: true });
    sh('go', ['build', '-o', ferretdb, './cmd/ferretdb'], { cwd: src, env: { ...process.env, CGO_ENABLED: '0' } });
  } finally {
    rmSync(src, { recursive: true, force: true });
  }
}
