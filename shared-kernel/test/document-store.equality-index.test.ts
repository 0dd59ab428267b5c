import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EmbeddedDocumentStore } from '../src/adapters/document-store/embedded-document-store.js';
import { EqualityIndex } from '../src/adapters/document-store/equality-index.js';
import type { Doc, Filter, Update } from '../src/ports/document-store.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'docstore-eq-index-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const pos = (n: number) => String(n).padStart(20, '0');

interface Hold extends Doc {
  state?: unknown;
  expiresAt?: string;
}

/** Deterministic pseudo-random numbers, so a failure repeats. */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

// values a `state` field may hold: strings, and what the index must keep apart
const STATES: unknown[] = ['held', 'confirmed', 'released', 'held', 7, ['held', 'x'], null, { held: true }];
const FILTERS: Filter[] = [
  { state: 'held' },
  { state: { $eq: 'confirmed' } },
  { state: 'held', expiresAt: { $lte: '2030-01-01T00:30:00.000Z' } },
  { state: 'nobody' },
  { state: 7 },
  { state: { $in: ['held', 'released'] } },
  { state: { $ne: 'held' } },
  {},
];

describe('EmbeddedDocumentStore equality indexes (non-unique indexes)', () => {
  it('answer every query exactly as a full scan does, through writes, deletes, a drop and a reopen', async () => {
    const file = path.join(dir, 'indexed.sqlite');
    let indexed = new EmbeddedDocumentStore({ path: file });
    const scanned = new EmbeddedDocumentStore({ path: ':memory:' });
    await indexed.collection('holds').ensureIndex({ state: 1, expiresAt: 1 });
    const next = random(42);
    let p = 0;
    const compare = async () => {
      for (const filter of FILTERS) {
        const options = { sort: { expiresAt: 1 as const }, limit: 50 };
        const a = await indexed.collection<Hold>('holds').find(filter, options);
        const b = await scanned.collection<Hold>('holds').find(filter, options);
        expect(a, JSON.stringify(filter)).toEqual(b);
        expect(await indexed.collection('holds').count(filter)).toBe(await scanned.collection('holds').count(filter));
      }
    };
    for (let round = 0; round < 6; round++) {
      for (let i = 0; i < 120; i++) {
        const id = `h${Math.floor(next() * 60)}`;
        p++;
        if (next() < 0.15) {
          await indexed.collection('holds').deleteAt(id, pos(p));
          await scanned.collection('holds').deleteAt(id, pos(p));
          continue;
        }
        const state = STATES[Math.floor(next() * STATES.length)];
        const update: Update =
          state === null
            ? {
                $unset: { state: true },
                $set: { expiresAt: `2030-01-01T00:${String(i % 60).padStart(2, '0')}:00.000Z` },
              }
            : { $set: { state, expiresAt: `2030-01-01T00:${String(i % 60).padStart(2, '0')}:00.000Z` } };
        await indexed.collection('holds').upsertAt(id, update, pos(p));
        await scanned.collection('holds').upsertAt(id, update, pos(p));
      }
      await compare();
      if (round === 2) {
        // reopened: the index is declared again and built from the stored documents
        await indexed.close();
        indexed = new EmbeddedDocumentStore({ path: file });
        await indexed.collection('holds').ensureIndex({ state: 1, expiresAt: 1 });
        await compare();
      }
      if (round === 4) {
        await indexed.collection('holds').drop();
        await scanned.collection('holds').drop();
        await compare();
      }
    }
    await indexed.close();
    await scanned.close();
  });

  it('offers only the bucket and the documents whose field is not a string', () => {
    const index = new EqualityIndex('state');
    index.build([
      { _id: 'a', state: 'held' },
      { _id: 'b', state: 'confirmed' },
      { _id: 'c', state: ['held'] },
      { _id: 'd' },
    ] as Doc[]);
    expect([...index.candidates('held')].sort()).toEqual(['a', 'c', 'd']);
    index.remove({ _id: 'a', state: 'held' } as Doc);
    index.add({ _id: 'b2', state: 'held' } as Doc);
    expect([...index.candidates('held')].sort()).toEqual(['b2', 'c', 'd']);
    expect([...index.candidates('confirmed')].sort()).toEqual(['b', 'c', 'd']);
  });
});
