/**
 * The production entry: the platform bundled by ops/build/bundle-platform.mjs (what the
 * Dockerfile and `npm start` run). Built here into a folder of its own, so no test depends
 * on a bundle left by an earlier build: it books and pays over HTTP (commands, projections,
 * reactors and the receipt PDF, whose renderer loads on first use), its stack traces name
 * the TypeScript sources, and `--if-stale` rebuilds exactly when the last build's inputs
 * or outputs no longer match.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_JWT_SECRET, mintToken } from '@booking/shared-kernel';
import { eventually, tempDir } from '../test-support/harness.js';
import { freePort, REPO_ROOT, startPlatformProcess, type PlatformProcess } from '../test-support/platform-process.js';

const SCRIPT = path.join(REPO_ROOT, 'ops/build/bundle-platform.mjs');
// inside the repository (package imports resolve from node_modules above), ignored by git
const OUT = path.join(REPO_ROOT, `ops/.cache/platform-bundle-test-${process.pid}`);

/** Runs the build script; returns what it wrote to stderr (its one line when it built). */
function bundle(...args: string[]): string {
  const run = spawnSync(process.execPath, [SCRIPT, `--outdir=${OUT}`, ...args], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`bundle-platform.mjs failed: ${run.stderr}`);
  return run.stderr;
}

const tokens = { secret: DEFAULT_JWT_SECRET, issuer: 'booking-platform' };
const auth = (id: string, role: 'customer' | 'provider') => ({
  authorization: `Bearer ${mintToken(tokens, { id, role, name: id })}`,
  'content-type': 'application/json',
});

beforeAll(() => {
  expect(bundle()).toMatch(/^bundled \d+ files into /);
});

afterAll(() => {
  fs.rmSync(OUT, { recursive: true, force: true });
});

describe('the bundled platform (production entry)', () => {
  let platform: PlatformProcess | null = null;
  const dataDir = tempDir('booking-bundle-');

  afterAll(async () => {
    await platform?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('books and pays a product over HTTP: confirmed in the read API, receipt PDF stored', async () => {
    platform = await startPlatformProcess({
      port: await freePort(),
      nodeArgs: ['--enable-source-maps', path.join(OUT, 'main.mjs')],
      env: { DATA_DIR: dataDir, DEMO_DATA: 'false', NODE_ENV: 'test', LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '0' },
    });
    const api = `${platform.baseUrl}/api`;
    const post = async (url: string, headers: Record<string, string>, body: unknown = {}) => {
      const res = await fetch(`${api}${url}`, { method: 'POST', headers, body: JSON.stringify(body) });
      return { status: res.status, body: (await res.json()) as Record<string, string> };
    };

    const provider = auth('provider-bundle', 'provider');
    const created = await post('/offerings', provider, {
      kind: 'product',
      title: 'Bundled lamp',
      category: 'home',
      price: { amount: 1200, currency: 'EUR' },
      stock: 5,
      publish: true,
    });
    expect(created.status).toBe(201);
    const customer = auth('customer-bundle', 'customer');
    const booked = await post('/bookings', customer, { offeringId: created.body.offeringId, quantity: 1 });
    expect(booked.status).toBe(201);
    const started = await post(`/bookings/${booked.body.bookingId}/payment`, customer);
    expect(started.status).toBe(201);
    const paid = await post(`/payments/${started.body.paymentId}/sandbox-confirm`, customer, {
      cardNumber: '4242 4242 4242 4242',
    });
    expect(paid.status).toBe(200);

    const confirmed = await eventually(async () => {
      const res = await fetch(`${api}/bookings/${booked.body.bookingId}`, { headers: customer });
      const body = (await res.json()) as { status: string };
      return body.status === 'CONFIRMED' ? body : null;
    }, 10_000);
    expect(confirmed.status).toBe('CONFIRMED');
    const receipts = path.join(dataDir, 'objects/receipts');
    const pdf = await eventually(async () => {
      const files = fs.existsSync(receipts) ? fs.readdirSync(receipts, { recursive: true, encoding: 'utf8' }) : [];
      return files.find((f) => f.endsWith('.pdf'));
    }, 10_000);
    expect(fs.readFileSync(path.join(receipts, pdf)).subarray(0, 5).toString()).toBe('%PDF-');

    // the OpenAPI document is built on its first request
    const spec = (await (await fetch(`${api}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(spec.paths)).toContain('/api/bookings');
  });

  it('stack traces name the TypeScript sources (linked source maps)', () => {
    // DATA_DIR is a file: opening the event store throws, and the process dies with the stack
    const notADirectory = path.join(dataDir, 'not-a-directory');
    fs.writeFileSync(notADirectory, '');
    const run = spawnSync(process.execPath, ['--enable-source-maps', path.join(OUT, 'main.mjs')], {
      cwd: REPO_ROOT,
      env: { ...process.env, DATA_DIR: notADirectory, DEMO_DATA: 'false', NODE_ENV: 'test', PORT: '0' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/\/shared-kernel\/src\/adapters\/event-store\/sqlite-event-store\.ts:\d+:\d+/);
    expect(run.stderr).toMatch(/\/ops\/platform\/main\.ts:\d+:\d+/);
  });
});

describe('bundle-platform.mjs --if-stale', () => {
  it('keeps a bundle whose inputs are unchanged, rebuilds when an input or an output no longer matches', () => {
    expect(bundle('--if-stale')).toBe('');
    const stampFile = path.join(OUT, 'inputs.json');
    const stamp = JSON.parse(fs.readFileSync(stampFile, 'utf8')) as { digest: string; outputs: string[] };
    // as after an edit of a bundled source: the inputs' digest differs from the stamp's
    fs.writeFileSync(stampFile, JSON.stringify({ ...stamp, digest: 'edited' }));
    expect(bundle('--if-stale')).toMatch(/^bundled /);
    expect(bundle('--if-stale')).toBe('');
    fs.rmSync(
      path.join(
        REPO_ROOT,
        stamp.outputs.find((f) => f.endsWith('/main.mjs'))!,
      ),
    );
    expect(bundle('--if-stale')).toMatch(/^bundled /);
    execFileSync(process.execPath, ['--check', path.join(OUT, 'main.mjs')]);
  });
});
