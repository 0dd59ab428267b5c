import { afterAll, describe, expect, it } from 'vitest';
import { MongoClient } from 'mongodb';
import { MongoDocumentStore } from '../src/adapters/document-store/mongo-document-store.js';
import { documentStoreContract } from './document-store.contract.js';

const url = process.env.MONGODB_URL;

// Needs a real MongoDB-compatible server (FerretDB here). The integration tier
// (`npm run test:integration`) starts one and sets MONGODB_URL; `npm test` skips this.
describe.skipIf(!url)('MongoDocumentStore', () => {
  const dbName = process.env.MONGODB_DB ?? 'docstore_contract';
  documentStoreContract('mongodb', () => MongoDocumentStore.connect(url!, dbName), {
    reopen: async (store) => {
      await store.close();
      return MongoDocumentStore.connect(url!, dbName);
    },
  });
});

describe.skipIf(!url)('MongoDocumentStore on the server', () => {
  const dbName = `docstore_mongo_${Date.now().toString(36)}`;
  const stores: MongoDocumentStore[] = [];
  const open = async () => {
    const s = await MongoDocumentStore.connect(url!, dbName);
    stores.push(s);
    return s;
  };
  afterAll(async () => {
    for (const s of stores) await s.close();
    const client = await MongoClient.connect(url!);
    await client.db(dbName).dropDatabase();
    await client.close();
  });

  it('writes the checkpoints saved since the last flush on flush; another process then reads them', async () => {
    const writer = await open();
    const reader = await open();
    await writer.saveCheckpoint('bookings', '00000000000000000010');
    await writer.saveCheckpoint('offerings', '00000000000000000011');
    await writer.saveCheckpoint('bookings', '00000000000000000012');
    expect(await writer.getCheckpoint('bookings')).toBe('00000000000000000012');
    expect(await reader.getCheckpoint('bookings')).toBeNull();
    await writer.flush();
    expect(await reader.getCheckpoint('bookings')).toBe('00000000000000000012');
    expect(await reader.getCheckpoint('offerings')).toBe('00000000000000000011');
    await writer.saveCheckpoint('offerings', '00000000000000000013');
    await Promise.all([writer.flush(), writer.flush()]);
    expect(await reader.getCheckpoint('offerings')).toBe('00000000000000000013');
  });

  it('close writes what is still pending', async () => {
    const writer = await MongoDocumentStore.connect(url!, dbName);
    const reader = await open();
    await writer.saveCheckpoint('users', '00000000000000000007');
    await writer.close();
    expect(await reader.getCheckpoint('users')).toBe('00000000000000000007');
  });

  it('a ranged index is a compound index on the server, created once however often it is declared', async () => {
    const store = await open();
    const holds = store.collection('ranged_holds');
    await holds.ensureIndex({ state: 1, expiresAt: 1 }, { ranged: true });
    await holds.ensureIndex({ state: 1, expiresAt: 1 }, { ranged: true });
    const client = await MongoClient.connect(url!);
    try {
      const indexes = await client.db(dbName).collection('ranged_holds').indexes();
      expect(indexes.filter((ix) => JSON.stringify(ix.key) === '{"state":1,"expiresAt":1}')).toHaveLength(1);
    } finally {
      await client.close();
    }
  });

  it('insertMany over several commands: every document arrives; a clash in a later chunk names the collection', async () => {
    const store = await open();
    const c = store.collection<{ _id: string; _pos: string; n: number }>('many');
    const docs = Array.from({ length: 4321 }, (_, i) => ({ _id: `d${i}`, _pos: '00000000000000000001', n: i }));
    await c.insertMany(docs);
    expect(await c.count()).toBe(4321);
    expect(await c.get('d4320')).toEqual({ _id: 'd4320', _pos: '00000000000000000001', n: 4320 });
    const more = Array.from({ length: 3000 }, (_, i) => ({ _id: `e${i}`, _pos: '00000000000000000001', n: i }));
    more[2500] = { _id: 'd17', _pos: '00000000000000000001', n: -1 };
    await expect(c.insertMany(more)).rejects.toThrow(/duplicate key in collection "many"/);
    expect((await c.get('d17'))?.n).toBe(17);
  });
});
