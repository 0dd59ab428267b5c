/**
 * The embedded store's ranged indexes (`ensureIndex(fields, { ranged: true })`): kept in the
 * SQLite file, so a read they serve (string equality on leading fields, then a string range
 * and the sort on the next field, with a limit: a scheduler's due items) reads only the rows
 * it needs instead of loading the collection into memory (7 s of CPU at 1M events, and
 * memory that grows with history).
 *
 * Each document's key values live in their own table, `ranged_keys`, written by the same
 * flush transaction as the document (so the file's keys always match its documents) and
 * computed in JavaScript from the document itself: it works alike for JSON and v8 bodies
 * (document-body.ts), which an expression index over JSON text would not. A field holding a
 * string is a key; missing or null is NULL (which no string equality or range matches, in
 * MongoDB as in mingo); anything else (an array, whose elements MongoDB matches, a number...)
 * marks the document "odd": odd documents are always candidates. The index only narrows,
 * the query itself still decides.
 *
 * Unflushed writes: the file holds the last flush, memory everything since. A read takes the
 * file's candidates except the ids written or deleted since the last flush, and adds those
 * from memory. With a limit and the sort on the ranged field, it stops reading once it has
 * enough matches (and every row tied with the last one, unless the rows come in (key, id)
 * order already): no later row can sort before them.
 * SQLite compares strings by UTF-8 bytes and JavaScript by UTF-16 units; the two orders
 * agree except for characters from U+D800 up, so bounds with such characters are not served
 * and keys with them turn the early stop off.
 *
 * The index is declared once and stays in the file (`ranged_indexes`): every open maintains
 * it from the first flush on. A new declaration fills it from the stored documents in slices
 * of a few milliseconds, once (about 25 µs per v8 body: ~4 s of CPU for the 166,667 holds of
 * a 1M-event folder); reads wait for that. A version of this store without ranged indexes
 * writing the file meanwhile would leave the keys stale: after such a downgrade, delete the
 * rows of `ranged_indexes` and `ranged_keys` so that the next declaration fills them again.
 */
import type Database from 'better-sqlite3';
import { resolve } from 'mingo/util';
import type { Doc, Filter, FindOptions } from '../../ports/document-store.js';
import { decodeBody } from './document-body.js';
import { equalityOperand } from './equality-index.js';

/** key columns of `ranged_keys`: a ranged index has at most this many fields */
export const MAX_RANGED_FIELDS = 4;
/** stored documents read per page while filling a new index */
const FILL_PAGE = 256;
/** milliseconds of filling before it yields to the event loop */
const FILL_SLICE_MS = 4;
/** characters where SQLite's string order (UTF-8 bytes) and JavaScript's (UTF-16) part */
const WIDE = /[\uD800-\uFFFF]/;

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS ranged_indexes (
    -- never reused: each id names its own SQLite index (ranged_keys_<id>)
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    collection TEXT NOT NULL,
    fields TEXT NOT NULL,
    built INTEGER NOT NULL DEFAULT 0,
    UNIQUE (collection, fields)
  );
  CREATE TABLE IF NOT EXISTS ranged_keys (
    ix INTEGER NOT NULL,
    id TEXT NOT NULL,
    odd INTEGER NOT NULL,
    k0 TEXT, k1 TEXT, k2 TEXT, k3 TEXT,
    PRIMARY KEY (ix, id)
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS ranged_keys_odd ON ranged_keys (ix) WHERE odd = 1;
`;

type Body = string | Buffer;
type RangeOp = '>' | '>=' | '<' | '<=';
const RANGE_OPS: Record<string, RangeOp> = { $gt: '>', $gte: '>=', $lt: '<', $lte: '<=' };

/** What a read knows of the documents in memory (lazy-documents.ts). */
export interface MemoryView<V> {
  /** the document, null when memory knows there is none, undefined when the file decides */
  peek(id: string): V | null | undefined;
  /** keeps a document read from the file */
  remember(id: string, doc: V): void;
}

/** How a ranged index serves one read. */
export interface RangePlan {
  index: RangedIndex;
  /** the strings the leading fields equal */
  equal: string[];
  /** bounds on the field after them */
  range: { op: RangeOp; value: string }[];
  /** 1 or -1 when the read may stop early (sorted on that field, with a limit), else 0 */
  order: 1 | -1 | 0;
  /** ascending, ties by ascending _id, on the index's last field: the rows come in the
   *  read's own order, so it stops at the last match wanted, not after its ties */
  idOrdered: boolean;
  /** matches wanted (skip + limit) when `order` is set */
  wanted: number;
}

/** a string the index may compare: none of the characters where the two orders part */
function comparable(value: unknown): value is string {
  return typeof value === 'string' && !WIDE.test(value);
}

function rangeBounds(condition: unknown): RangePlan['range'] {
  if (typeof condition !== 'object' || condition === null || Array.isArray(condition)) return [];
  const bounds: RangePlan['range'] = [];
  for (const [operator, value] of Object.entries(condition)) {
    const op = RANGE_OPS[operator];
    if (!op || !comparable(value)) return [];
    bounds.push({ op, value });
  }
  return bounds;
}

/** The `ranged_keys` columns of `doc` in `index`: odd, k0, k1, k2, k3. */
export function keyRow(
  index: RangedIndex,
  doc: Doc,
): [number, string | null, string | null, string | null, string | null] {
  const row: [number, string | null, string | null, string | null, string | null] = [0, null, null, null, null];
  index.fields.forEach((field, i) => {
    const value = resolve(doc as unknown as Record<string, unknown>, field);
    if (typeof value === 'string') row[i + 1] = value;
    else if (value !== undefined && value !== null) row[0] = 1;
  });
  return row[0] ? [1, null, null, null, null] : row;
}

/** The statements of the ranged indexes of one file, and the indexes it holds. */
export class RangedIndexes {
  private readonly upsertKeys: Database.Statement;
  private readonly deleteKeys: Database.Statement;
  private readonly clearKeys: Database.Statement;
  private readonly markBuilt: Database.Statement;
  private readonly page: Database.Statement<[string, string, number], [string, Body]>;
  private readonly statements = new Map<string, Database.Statement>();
  private readonly byCollection = new Map<string, RangedIndex[]>();

  constructor(
    readonly db: Database.Database,
    readonly assertOpen: () => void,
    /** null when no flush is being committed by another connection (flush-writer.ts); else
     *  a promise that settles when one was: this connection writes only in between */
    readonly otherWriter: () => Promise<void> | null = () => null,
  ) {
    db.exec(SCHEMA);
    const rows = db.prepare('SELECT id, collection, fields, built FROM ranged_indexes ORDER BY id').all() as {
      id: number;
      collection: string;
      fields: string;
      built: number;
    }[];
    for (const row of rows) this.add(row.id, row.collection, JSON.parse(row.fields) as string[], row.built === 1);
    // writes only when a key changed: most updates leave the indexed fields alone
    this.upsertKeys = db.prepare(
      `INSERT INTO ranged_keys (ix, id, odd, k0, k1, k2, k3) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (ix, id) DO UPDATE SET odd = excluded.odd, k0 = excluded.k0, k1 = excluded.k1,
         k2 = excluded.k2, k3 = excluded.k3
       WHERE odd IS NOT excluded.odd OR k0 IS NOT excluded.k0 OR k1 IS NOT excluded.k1
         OR k2 IS NOT excluded.k2 OR k3 IS NOT excluded.k3`,
    );
    this.deleteKeys = db.prepare('DELETE FROM ranged_keys WHERE ix = ? AND id = ?');
    this.clearKeys = db.prepare('DELETE FROM ranged_keys WHERE ix = ?');
    this.markBuilt = db.prepare('UPDATE ranged_indexes SET built = 1 WHERE id = ?');
    this.page = db
      .prepare<[string, string, number], [string, Body]>(
        'SELECT id, body FROM documents WHERE collection = ? AND id > ? ORDER BY id LIMIT ?',
      )
      .raw();
  }

  /** the ranged indexes the file holds for `collection` */
  of(collection: string): readonly RangedIndex[] {
    return this.byCollection.get(collection) ?? [];
  }

  /** The index on `fields` of `collection`, recorded in the file when new (not yet built). */
  declare(collection: string, fields: string[]): RangedIndex {
    const existing = this.of(collection).find(
      (ix) => ix.fields.length === fields.length && ix.fields.every((f, i) => f === fields[i]),
    );
    if (existing) return existing;
    const id = Number(
      this.db
        .prepare('INSERT INTO ranged_indexes (collection, fields) VALUES (?, ?) RETURNING id')
        .pluck()
        .get(collection, JSON.stringify(fields)),
    );
    return this.add(id, collection, fields, false);
  }

  /** Records the keys of document `id` (undefined: deleted); runs inside the flush transaction. */
  write(index: RangedIndex, id: string, doc: Doc | undefined): void {
    if (!doc) {
      this.deleteKeys.run(index.id, id);
      return;
    }
    this.upsertKeys.run(index.id, id, ...keyRow(index, doc));
  }

  /** Forgets every key of the index (its collection was dropped); inside the flush transaction. */
  clear(index: RangedIndex): void {
    this.clearKeys.run(index.id);
  }

  /** Fills the keys of up to FILL_SLICE_MS of stored documents after `after`; true when done. */
  fillSlice(index: RangedIndex, after: { id: string }): boolean {
    return this.db.transaction(() => {
      const started = performance.now();
      for (;;) {
        const rows = this.page.all(index.collection, after.id, FILL_PAGE);
        for (const [id, body] of rows) this.write(index, id, decodeBody<Doc>(body));
        if (rows.length < FILL_PAGE) {
          this.markBuilt.run(index.id);
          return true;
        }
        after.id = rows[rows.length - 1]![0];
        if (performance.now() - started >= FILL_SLICE_MS) return false;
      }
    })();
  }

  statement(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) this.statements.set(sql, (statement = this.db.prepare(sql).raw()));
    return statement;
  }

  private add(id: number, collection: string, fields: string[], built: boolean): RangedIndex {
    // Each ranged index orders its own rows: its key columns, then the id, so a read sorted
    // on its last field (ties by _id) gets its rows in order without a sort step.
    const columns = fields.map((_, i) => `k${i}`).join(', ');
    this.db.exec(
      `CREATE INDEX IF NOT EXISTS ranged_keys_${id} ON ranged_keys (${columns}, id) WHERE ix = ${id} AND odd = 0`,
    );
    const index = new RangedIndex(this, id, collection, fields, built);
    let list = this.byCollection.get(collection);
    if (!list) this.byCollection.set(collection, (list = []));
    list.push(index);
    return index;
  }
}

export class RangedIndex {
  private filling: Promise<void> | null = null;

  constructor(
    private readonly owner: RangedIndexes,
    readonly id: number,
    readonly collection: string,
    readonly fields: readonly string[],
    private built: boolean,
  ) {}

  /** null once every stored document has its keys; else a promise that resolves then */
  whenBuilt(): Promise<void> | null {
    if (this.built) return null;
    this.filling ??= this.fill().finally(() => (this.filling = null));
    return this.filling;
  }

  private async fill(): Promise<void> {
    const after = { id: '' };
    for (;;) {
      // (a loop: another flush may be handed over while this one is awaited)
      for (let writing = this.owner.otherWriter(); writing; writing = this.owner.otherWriter()) await writing;
      this.owner.assertOpen();
      if (this.owner.fillSlice(this, after)) {
        this.built = true;
        return;
      }
      await new Promise((r) => setImmediate(r));
    }
  }

  /** How this index serves `filter`, or null when it does not narrow it. */
  plan(filter: Filter, options: FindOptions): RangePlan | null {
    const equal: string[] = [];
    let next = 0;
    for (; next < this.fields.length; next++) {
      const value = equalityOperand(filter, this.fields[next]!);
      if (!comparable(value)) break;
      equal.push(value);
    }
    const field = this.fields[next];
    const range = field === undefined ? [] : rangeBounds(filter[field]);
    if (equal.length === 0 && range.length === 0) return null;
    const sort = Object.entries(options.sort ?? {});
    const sorted = field !== undefined && options.limit !== undefined && options.limit > 0 && sort[0]?.[0] === field;
    const order = sorted ? sort[0]![1] : 0;
    const thenById = sort.length === 1 || (sort.length === 2 && sort[1]![0] === '_id' && sort[1]![1] === 1);
    return {
      index: this,
      equal,
      range,
      order,
      idOrdered: order === 1 && thenById && next === this.fields.length - 1,
      wanted: (options.skip ?? 0) + (options.limit ?? 0),
    };
  }

  /**
   * The documents that may match the plan's read: the file's rows the index selects, except
   * the ids memory decides, and those from memory. A superset of the matches (`test` tells
   * them), and with `plan.order` every match the sorted, limited read returns.
   */
  candidates<V extends Doc>(
    plan: RangePlan,
    memory: MemoryView<V>,
    /** ids written or deleted since the last flush: memory decides them */
    dirty: ReadonlySet<string>,
    test: (doc: V) => boolean,
  ): V[] {
    const out: V[] = [];
    const take = (id: string, body: Body): V | null => {
      if (dirty.has(id)) return null;
      const known = memory.peek(id);
      if (known !== undefined) return known;
      const doc = decodeBody<V>(body);
      memory.remember(id, doc);
      return doc;
    };

    const next = plan.equal.length;
    // ix as a literal: the index of this ranged index is partial on it
    const where = [`r.ix = ${this.id}`, 'r.odd = 0'];
    plan.equal.forEach((_, i) => where.push(`r.k${i} = ?`));
    for (const bound of plan.range) where.push(`r.k${next} ${bound.op} ?`);
    const key = next < MAX_RANGED_FIELDS ? `r.k${next}` : 'NULL';
    let order = plan.order === 0 ? '' : ` ORDER BY ${key} ${plan.order === 1 ? 'ASC' : 'DESC'}`;
    if (plan.idOrdered) order += ', r.id ASC';
    // CROSS JOIN: read the index first, then each document by its primary key
    const rows = this.owner
      .statement(
        `SELECT r.id, ${key}, d.body FROM ranged_keys r CROSS JOIN documents d
         WHERE ${where.join(' AND ')} AND d.collection = ? AND d.id = r.id${order}`,
      )
      .iterate(...plan.equal, ...plan.range.map((b) => b.value), this.collection) as IterableIterator<
      [string, string | null, Body]
    >;
    let stoppable = plan.order !== 0;
    let matched = 0;
    /** the key of the last match wanted; undefined until reached */
    let boundary: string | null | undefined;
    for (const [id, k, body] of rows) {
      if (boundary !== undefined && (plan.idOrdered || k !== boundary)) break;
      const doc = take(id, body);
      if (!doc) continue;
      out.push(doc);
      if (!stoppable || boundary !== undefined || !test(doc)) continue;
      if ((k !== null && WIDE.test(k)) || (plan.idOrdered && WIDE.test(id))) stoppable = false;
      else if (++matched >= plan.wanted) boundary = k;
    }

    for (const id of dirty) {
      const doc = memory.peek(id);
      if (doc) out.push(doc);
    }
    const odd = this.owner
      .statement(
        `SELECT r.id, d.body FROM ranged_keys r CROSS JOIN documents d
         WHERE r.ix = ? AND r.odd = 1 AND d.collection = ? AND d.id = r.id`,
      )
      .iterate(this.id, this.collection) as IterableIterator<[string, Body]>;
    for (const [id, body] of odd) {
      const doc = take(id, body);
      if (doc) out.push(doc);
    }
    return out;
  }
}

/** The plan of the index that narrows `filter` most, if any. */
export function bestPlan(indexes: readonly RangedIndex[], filter: Filter, options: FindOptions): RangePlan | null {
  let best: RangePlan | null = null;
  const score = (p: RangePlan) => p.equal.length * 4 + (p.range.length > 0 ? 2 : 0) + (p.order !== 0 ? 1 : 0);
  for (const index of indexes) {
    const plan = index.plan(filter, options);
    if (plan && (!best || score(plan) > score(best))) best = plan;
  }
  return best;
}
