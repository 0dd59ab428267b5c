import { MongoClient } from 'mongodb';
const c = new MongoClient(process.env.URL!);
await c.connect();
const db = c.db('perfprobe');
await db.dropDatabase();
const N = Number(process.env.N);
const coll = db.collection<{ _id: string; _pos?: string; n?: number }>('t');
async function time(label: string, n: number, per: number, fn: (i: number) => Promise<unknown>) {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await fn(i);
  const ms = performance.now() - t0;
  console.log(label, (ms / n).toFixed(2), 'ms/call', Math.round((n * per * 1000) / ms), 'docs/s');
}
await coll.insertMany(Array.from({ length: N }, (_, i) => ({ _id: `d${i}`, _pos: '00000000000000000001', n: 0 })));
await time('updateOne _id', 100, 1, (i) => coll.updateOne({ _id: `d${(i * 37) % N}` }, { $inc: { n: 1 } }));
await time('bulkWrite 100 updates', 10, 100, (i) => coll.bulkWrite(Array.from({ length: 100 }, (_, j) => ({ updateOne: { filter: { _id: `d${(i * 100 + j) % N}` }, update: { $inc: { n: 1 } } } })), { ordered: false }));
await time('bulkWrite 100 replace upsert', 10, 100, (i) => coll.bulkWrite(Array.from({ length: 100 }, (_, j) => ({ replaceOne: { filter: { _id: `d${(i * 100 + j) % N}` }, replacement: { n: 5 }, upsert: true } })), { ordered: false }));
await time('insertMany 100 new', 10, 100, (i) => coll.insertMany(Array.from({ length: 100 }, (_, j) => ({ _id: `n${i}-${j}`, n: 1 }))));
await time('find $in 100', 10, 100, (i) => coll.find({ _id: { $in: Array.from({ length: 100 }, (_, j) => `d${(i * 100 + j) % N}`) } }).toArray());
await c.close();
