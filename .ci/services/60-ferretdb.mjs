// FerretDB v1 for the mongodb binding's tests: a server that speaks the MongoDB wire protocol and
// keeps its data in SQLite files, so no other database server is needed. It is a Go module, built
// from the Go module proxy into .tools/bin with the machine's Go (1.24 or newer, as FerretDB's
// go.mod asks; Debian bookworm's golang-go is 1.19, too old). The tests start their own server on a
// free loopback port with a temp data dir and stop it by pid.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The FerretDB release the tests run against (v1: its SQLite backend needs no PostgreSQL). */
export const FERRETDB_VERSION = 'v1.24.2';
const MODULE = 'github.com/FerretDB/FerretDB';

export async function install({ sh, root }) {
  const ferretdb = join(root, '.tools', 'bin', 'ferretdb');
  const version = existsSync(ferretdb) ? spawnSync(ferretdb, ['--version'], { encoding: 'utf8' }).stdout : '';
  if (version.includes(`version: ${FERRETDB_VERSION}`)) return;
  const go = goCommand();
  // `go install ...@version` builds a binary that refuses to start: FerretDB embeds its version from
  // build/version/version.txt, which its release process writes and the module does not ship. So
  // the module's source is copied out of the module cache, the file written, and the copy built.
  const download = spawnSync(go, ['mod', 'download', '-json', `${MODULE}@${FERRETDB_VERSION}`], { encoding: 'utf8' });
  if (download.status !== 0) throw new Error(`go mod download ${MODULE}@${FERRETDB_VERSION} failed: ${download.stderr}${download.stdout}`);
  const src = mkdtempSync(join(tmpdir(), 'ferretdb-src-'));
  try {
    cpSync(JSON.parse(download.stdout).Dir, src, { recursive: true, mode: 0 });
    sh('chmod', ['-R', 'u+w', src]);
    writeFileSync(join(src, 'build', 'version', 'version.txt'), `${FERRETDB_VERSION}\n`);
    mkdirSync(join(root, '.tools', 'bin'), { recursive: true });
    sh(go, ['build', '-o', ferretdb, './cmd/ferretdb'], { cwd: src, env: { ...process.env, CGO_ENABLED: '0' } });
  } finally {
    rmSync(src, { recursive: true, force: true });
  }
}

/** The go command: on PATH or where the official tarball puts it, and new enough for FerretDB. */
function goCommand() {
  for (const go of ['go', '/usr/local/go/bin/go']) {
    const r = spawnSync(go, ['env', 'GOVERSION'], { encoding: 'utf8' });
    if (r.status !== 0) continue;
    const [major, minor] = r.stdout.trim().replace(/^go/, '').split('.').map(Number);
    if (major > 1 || (major === 1 && minor >= 24)) return go;
    throw new Error(`FerretDB ${FERRETDB_VERSION} needs Go 1.24 or newer to build; ${go} is ${r.stdout.trim()}`);
  }
  throw new Error(`FerretDB ${FERRETDB_VERSION} needs Go 1.24 or newer to build, and no go command was found (PATH, /usr/local/go/bin)`);
}
