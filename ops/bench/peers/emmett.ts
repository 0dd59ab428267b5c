/**
 * Emmett (the peer event store) lives in this folder's own node_modules, installed on
 * demand by `ensurePeersInstalled` so the platform's `npm install` never builds sqlite3.
 * Only the calls the benchmark makes are typed here.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const PEERS_DIR = path.dirname(fileURLToPath(import.meta.url));
const requireHere = createRequire(path.join(PEERS_DIR, 'package.json'));

interface EmmettEvent {
  type: string;
  data: unknown;
  metadata?: Record<string, unknown>;
}
export interface EmmettSqliteStore {
  appendToStream(
    stream: string,
    events: EmmettEvent[],
    options: { expectedStreamVersion: bigint | string | symbol },
  ): Promise<{ nextExpectedStreamVersion: bigint }>;
  aggregateStream<S>(
    stream: string,
    options: { initialState: () => S; evolve: (state: S, event: EmmettEvent) => S },
  ): Promise<{ state: S }>;
}
export interface Emmett {
  getSQLiteEventStore(options: { fileName: string }): EmmettSqliteStore;
  STREAM_DOES_NOT_EXIST: bigint | string | symbol;
  NO_CONCURRENCY_CHECK: bigint | string | symbol;
}

/** Installs the peers into this folder when they are missing (the first `npm run bench`). */
export function ensurePeersInstalled(): void {
  if (fs.existsSync(path.join(PEERS_DIR, 'node_modules', '@event-driven-io', 'emmett-sqlite'))) return;
  console.error('[bench] installing the peer library (Emmett, sqlite3) into ops/bench/peers (first run only)');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  execFileSync(npm, ['install', '--no-audit', '--no-fund', '--no-package-lock'], {
    cwd: PEERS_DIR,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}

/** the version npm installed of a peer package, or null */
export function peerVersion(pkg: string): string | null {
  const file = path.join(PEERS_DIR, 'node_modules', pkg, 'package.json');
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version : null;
}

export async function loadEmmett(): Promise<Emmett> {
  const load = async (pkg: string) =>
    (await import(pathToFileURL(requireHere.resolve(pkg)).href)) as Record<string, unknown>;
  const sqlite = await load('@event-driven-io/emmett-sqlite');
  const core = await load('@event-driven-io/emmett');
  return {
    getSQLiteEventStore: sqlite.getSQLiteEventStore as Emmett['getSQLiteEventStore'],
    STREAM_DOES_NOT_EXIST: core.STREAM_DOES_NOT_EXIST as Emmett['STREAM_DOES_NOT_EXIST'],
    NO_CONCURRENCY_CHECK: core.NO_CONCURRENCY_CHECK as Emmett['NO_CONCURRENCY_CHECK'],
  };
}
