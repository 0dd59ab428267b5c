/**
 * The held units of a capacity stream ordered by when their holds expire, so "how many
 * held units are still live at `now`" is one walk down a tree (O(log n)) instead of a
 * scan of every open hold on every reservation (a hot product can have thousands of
 * unpaid holds).
 *
 * A persistent treap keyed by (expiresAt, bookingId), each node carrying the units of its
 * subtree. Persistent (every change copies only the path it touches) because decider
 * states are values: an older state stays valid after a newer one is derived from it.
 * Priorities are a hash of the booking id with ties broken by the key, so one set of holds
 * always gives the same tree, whatever order they were added in (a state rebuilt from a
 * snapshot equals the one folded event by event).
 */

const unitsOf = (n: Node | null): number => (n ? n.units : 0);

class Node {
  /** units of this node and both subtrees */
  readonly units: number;
  constructor(
    readonly expiresAt: number,
    readonly bookingId: string,
    readonly quantity: number,
    readonly priority: number,
    readonly left: Node | null,
    readonly right: Node | null,
  ) {
    this.units = unitsOf(left) + quantity + unitsOf(right);
  }
}

/** FNV-1a, then murmur3's finaliser so ids differing only in their last characters spread too. */
function priorityOf(bookingId: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < bookingId.length; i++) {
    h ^= bookingId.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** An expiry that is not a number sorts first: such a hold is never live (as `NaN > now` is false). */
const keyOf = (expiresAt: number): number => (Number.isNaN(expiresAt) ? -Infinity : expiresAt);

function compareKeys(aAt: number, aId: string, b: Node): number {
  if (aAt !== b.expiresAt) return aAt < b.expiresAt ? -1 : 1;
  return aId === b.bookingId ? 0 : aId < b.bookingId ? -1 : 1;
}

/** Does `a` belong above `b`? (a strict order, so the tree's shape is unique) */
function above(a: Node, b: Node): boolean {
  if (a.priority !== b.priority) return a.priority > b.priority;
  return compareKeys(a.expiresAt, a.bookingId, b) < 0;
}

function withChildren(n: Node, left: Node | null, right: Node | null): Node {
  return new Node(n.expiresAt, n.bookingId, n.quantity, n.priority, left, right);
}

function insert(root: Node | null, leaf: Node): Node {
  if (!root) return leaf;
  if (compareKeys(leaf.expiresAt, leaf.bookingId, root) < 0) {
    const left = insert(root.left, leaf);
    // rotate right when the new child outranks its parent
    return above(left, root)
      ? withChildren(left, left.left, withChildren(root, left.right, root.right))
      : withChildren(root, left, root.right);
  }
  const right = insert(root.right, leaf);
  return above(right, root)
    ? withChildren(right, withChildren(root, root.left, right.left), right.right)
    : withChildren(root, root.left, right);
}

/** Joins two trees where every key of `a` is below every key of `b`. */
function merge(a: Node | null, b: Node | null): Node | null {
  if (!a) return b;
  if (!b) return a;
  return above(a, b) ? withChildren(a, a.left, merge(a.right, b)) : withChildren(b, merge(a, b.left), b.right);
}

function remove(root: Node | null, expiresAt: number, bookingId: string): Node | null {
  if (!root) return null;
  const c = compareKeys(expiresAt, bookingId, root);
  if (c === 0) return merge(root.left, root.right);
  if (c < 0) {
    const left = remove(root.left, expiresAt, bookingId);
    return left === root.left ? root : withChildren(root, left, root.right);
  }
  const right = remove(root.right, expiresAt, bookingId);
  return right === root.right ? root : withChildren(root, root.left, right);
}

export class HoldExpiries {
  static readonly empty = new HoldExpiries(null);

  private constructor(private readonly root: Node | null) {}

  /** units of every hold, live or lapsed */
  get units(): number {
    return unitsOf(this.root);
  }

  /** with the hold of `bookingId` (at most one per booking: remove the old one first) */
  add(bookingId: string, hold: { quantity: number; expiresAt: number }): HoldExpiries {
    const leaf = new Node(keyOf(hold.expiresAt), bookingId, hold.quantity, priorityOf(bookingId), null, null);
    return new HoldExpiries(insert(this.root, leaf));
  }

  remove(bookingId: string, hold: { expiresAt: number }): HoldExpiries {
    const root = remove(this.root, keyOf(hold.expiresAt), bookingId);
    return root === this.root ? this : new HoldExpiries(root);
  }

  /** Units of the holds that expire after `now` (ms), i.e. are still live. */
  unitsLiveAt(now: number): number {
    let live = 0;
    let n = this.root;
    while (n) {
      if (n.expiresAt > now) {
        live += n.quantity + unitsOf(n.right);
        n = n.left;
      } else {
        n = n.right;
      }
    }
    return live;
  }

  /** Derived from the holds: left out of JSON views of the state (audit replays). */
  toJSON(): undefined {
    return undefined;
  }
}
