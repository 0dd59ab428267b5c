import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { serialize } from 'node:v8';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { EmbeddedDocumentStore } from '../src/adapters/document-store/embedded-document-store.js';
import type { Doc } from '../src/ports/document-store.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'docbody-'));
let files = 0;
const tempFile = () => path.join(dir, `store-${++files}.sqlite`);

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** the SQLite type each stored body has, by document id */
function storedTypes(file: string, collection: string): Record<string, string> {
  const db = new Database(file, { readonly: true });
  try {
    const rows = db.prepare('SELECT id, typeof(body) AS type FROM documents WHERE collection = ?').all(collection) as {
      id: string;
      type: string;
    }[];
    return Object.fromEntries(rows.map((r) => [r.id, r.type]));
  } finally {
    db.close();
  }
}

type Loose = Doc & Record<string, unknown>;

describe('embedded store: how documents are kept in the file', () => {
  it('keeps JSON documents as JSON text and anything JSON would change with v8, both read back exactly', async () => {
    const file = tempFile();
    const a = new EmbeddedDocumentStore({ path: file });
    const c = a.collection<Loose>('things');
    await c.upsertAt(
      'plain',
      { $set: { s: 'é \u0000 \ud800', n: 1.5, b: true, z: null, list: [1, { x: 'y' }] } },
      '0001',
    );
    await c.upsertAt('date', { $set: { at: new Date('2030-01-02T03:04:05.678Z') } }, '0001');
    await c.upsertAt('nested-date', { $set: { list: [{ at: new Date(0) }] } }, '0001');
    await c.upsertAt('undefined', { $set: { gone: undefined, kept: 1 } }, '0001');
    await c.upsertAt('minus-zero', { $set: { v: -0 } }, '0001');
    await c.upsertAt('nan', { $set: { v: Number.NaN } }, '0001');
    const before = Object.fromEntries(
      await Promise.all(
        ['plain', 'date', 'nested-date', 'undefined', 'minus-zero', 'nan'].map(async (id) => [id, await c.get(id)]),
      ),
    );
    await a.close();

    expect(storedTypes(file, 'things')).toEqual({
      plain: 'text',
      date: 'blob',
      'nested-date': 'blob',
      undefined: 'blob',
      'minus-zero': 'blob',
      nan: 'blob',
    });

    const b = new EmbeddedDocumentStore({ path: file });
    const reopened = b.collection<Loose>('things');
    for (const [id, doc] of Object.entries(before)) expect(await reopened.get(id)).toStrictEqual(doc);
    expect((await reopened.get('date'))!.at).toBeInstanceOf(Date);
    expect(Object.is((await reopened.get('minus-zero'))!.v, -0)).toBe(true);
    expect('gone' in (await reopened.get('undefined'))!).toBe(true);
    // a whole-collection load reads both kinds as well
    expect(await reopened.count()).toBe(6);
    await b.close();
  });

  it('reads files whose documents were all written with v8 (before JSON bodies)', async () => {
    const file = tempFile();
    const a = new EmbeddedDocumentStore({ path: file });
    await a.collection<Loose>('bookings').upsertAt('b1', { $set: { status: 'held', seats: 2 } }, '0001');
    await a.collection<Loose>('bookings').upsertAt('b2', { $set: { status: 'paid', seats: 1 } }, '0002');
    await a.saveCheckpoint('bookings', '0002');
    await a.close();
    // rewrite the rows as the older store did
    const raw = new Database(file);
    const rows = raw.prepare('SELECT id, body FROM documents').all() as { id: string; body: string }[];
    const rewrite = raw.prepare("UPDATE documents SET body = ? WHERE collection = 'bookings' AND id = ?");
    for (const r of rows) rewrite.run(serialize(JSON.parse(r.body)), r.id);
    raw.close();
    expect(storedTypes(file, 'bookings')).toEqual({ b1: 'blob', b2: 'blob' });

    const b = new EmbeddedDocumentStore({ path: file });
    const bookings = b.collection<Loose>('bookings');
    expect(await bookings.get('b1')).toEqual({ _id: 'b1', _pos: '0001', status: 'held', seats: 2 });
    expect(await bookings.find({ status: 'paid' })).toEqual([{ _id: 'b2', _pos: '0002', status: 'paid', seats: 1 }]);
    // written again, it is kept as JSON
    await bookings.upsertAt('b1', { $inc: { seats: 1 } }, '0003');
    await b.close();
    expect(storedTypes(file, 'bookings')).toEqual({ b1: 'text', b2: 'blob' });
  });
});
