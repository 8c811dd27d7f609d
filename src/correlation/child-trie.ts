import { randomBytes } from 'node:crypto';

// Children are the one part of an incident that can grow large (a storm of thousands of alerts).
// Copying a plain map on every event would make each event cost O(children); a hash trie keeps
// transitions pure while an update copies one short path. The trie grows only where it must: an
// incident starts as one leaf (its children in an array, searched by key), and a leaf that
// outgrows LEAF_MAX becomes a branch of 16 slots keyed by the next four bits of the key's hash.
// A fixed three-level trie cost the common small incident three 16-slot arrays per child (most of
// the objects of the heap at 100,000 live children, and the work of every major collection).
//
// Arrays at every level: copying a small array is a memcpy, copying an object with many keys is
// not. And a leaf is an array, not an object keyed by child key: such objects share no keys, so
// V8 made a hidden class per added key.

/** What the trie holds: anything with a key that is not itself an array (a leaf is told from a branch by that). */
export interface Keyed {
  readonly key: string;
}

type Leaf<T> = T[];
type Branch<T> = Array<Node<T> | null>;
type Node<T> = Leaf<T> | Branch<T>;

/** Items by key: a leaf (the items themselves) or a branch of 16 slots. `[]` is empty. */
export type ChildTrie<T extends Keyed> = Node<T>;

const BITS = 4;
const WIDTH = 1 << BITS;
const LEAF_MAX = 16;
/** A 32-bit hash has eight 4-bit slices; a leaf this deep holds colliding keys, however many. */
const MAX_DEPTH = 32 / BITS;

/**
 * FNV-1a's offset basis, drawn once per process. Child keys come from senders (an Alertmanager
 * fingerprint, a PagerDuty dedup_key), and FNV-1a is iterated over a 32-bit state, so from the
 * published basis anyone can chain a handful of colliding pairs into thousands of keys with one
 * hash (a Joux multicollision): they would all share one leaf below the last level, and every
 * event on that incident would search and copy all of them. From a basis nobody outside the
 * process knows, such keys spread like any others. Nothing depends on the trie's layout: children
 * leave it sorted (childrenOf), and it is rebuilt from rows on hydration.
 */
const BASIS = randomBytes(4).readUInt32LE(0);

// A random basis alone was not enough: FNV-1a's xor-and-multiply carries a colliding pair's
// difference the same way from about one basis in 130 (measured over 20,000 bases with the spec's
// 2,048 keys), so such keys still shared a leaf in a process that drew one of those. Folding the
// high bits into the low ones after each character (`h ^= h >>> 15`) makes every step depend on the
// whole state: the same measurement finds no basis that keeps them together.
function hashOf(key: string): number {
  let hash = BASIS;
  for (let i = 0; i < key.length; i++) {
    hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
    hash ^= hash >>> 15;
  }
  return hash;
}

const slotOf = (hash: number, depth: number) => (hash >>> (BITS * depth)) & (WIDTH - 1);

/** A leaf holds children (never null, never arrays); a branch holds null or nodes, in 16 slots. */
function isBranch<T>(node: Node<T>): node is Branch<T> {
  return node.length === WIDTH && (node[0] === null || Array.isArray(node[0]));
}

/** The position of the child with this key in its leaf, -1 if absent. */
function indexIn<T extends Keyed>(leaf: Leaf<T>, key: string): number {
  for (let i = 0; i < leaf.length; i++) if (leaf[i].key === key) return i;
  return -1;
}

export function findChild<T extends Keyed>(trie: ChildTrie<T>, key: string): T | undefined {
  // States read back from a snapshot for routing alone may hold `{}`: no children loaded.
  if (!Array.isArray(trie)) return undefined;
  const hash = hashOf(key);
  let node: Node<T> = trie;
  for (let depth = 0; isBranch(node); depth++) {
    const next: Node<T> | null = node[slotOf(hash, depth)];
    if (!next) return undefined;
    node = next;
  }
  const at = indexIn(node, key);
  return at < 0 ? undefined : node[at];
}

/** Every leaf, each an array of items. */
export function leavesOf<T extends Keyed>(trie: ChildTrie<T>): Leaf<T>[] {
  const leaves: Leaf<T>[] = [];
  const walk = (node: Node<T>) => {
    if (!isBranch(node)) leaves.push(node);
    else for (const next of node) if (next) walk(next);
  };
  if (Array.isArray(trie)) walk(trie);
  return leaves;
}

/**
 * Copy-on-write access to a trie under construction: each node on a touched path is copied once
 * per writer, however many children of one call land in it; `finish` returns the new trie.
 */
export class ChildTrieWriter<T extends Keyed> {
  private root: Node<T>;
  private readonly owned = new Set<Node<T>>();
  /** Leaves that grew by push in this writer, and where they hang (null: the root). */
  private readonly grown = new Map<Leaf<T>, { parent: Branch<T> | null; slot: number }>();

  constructor(from: ChildTrie<T>) {
    this.root = Array.isArray(from) ? from : [];
  }

  /** Writes the item under its key; returns the item it replaced. */
  put(child: T): T | undefined {
    const { leaf, parent, slot, depth } = this.reach(child.key);
    if (!leaf) {
      // An empty slot of a branch (parent): the child is a leaf of its own.
      (parent as Branch<T>)[slot] = this.mine([child]);
      return undefined;
    }
    const at = indexIn(leaf, child.key);
    if (at >= 0) {
      const previous = leaf[at];
      leaf[at] = child;
      return previous;
    }
    leaf.push(child);
    if (leaf.length > LEAF_MAX && depth < MAX_DEPTH) {
      this.grown.delete(leaf);
      this.hang(this.split(leaf, depth), parent, slot);
    } else {
      this.grown.set(leaf, { parent, slot });
    }
    return undefined;
  }

  /** Takes the child with this key out; returns it, or undefined if there was none. */
  remove(key: string): T | undefined {
    const { leaf, parent, slot } = this.reach(key);
    const at = leaf ? indexIn(leaf, key) : -1;
    if (!leaf || at < 0) return undefined;
    const [child] = leaf.splice(at, 1);
    if (leaf.length === 0 && parent) {
      parent[slot] = null;
      this.grown.delete(leaf);
    }
    return child;
  }

  /**
   * The leaf this key belongs in, made this writer's own along with every branch above it, and
   * where it hangs (parent null: the root). No leaf: the key's slot in `parent` is empty.
   */
  private reach(key: string): { leaf: Leaf<T> | null; parent: Branch<T> | null; slot: number; depth: number } {
    const hash = hashOf(key);
    let parent: Branch<T> | null = null;
    let slot = -1;
    let node = this.own(this.root, null, -1);
    let depth = 0;
    while (isBranch(node)) {
      slot = slotOf(hash, depth);
      const next = node[slot];
      if (!next) return { leaf: null, parent: node, slot, depth };
      parent = node;
      node = this.own(next, node, slot);
      depth += 1;
    }
    return { leaf: node, parent, slot, depth };
  }

  /**
   * The new trie. A leaf that grew by push keeps the spare capacity V8 gave it (a one-child leaf
   * took 136 bytes more than it needed), so each is copied once more at its exact length.
   */
  finish(): ChildTrie<T> {
    for (const [leaf, { parent, slot }] of this.grown) this.hang(leaf.slice(), parent, slot);
    this.grown.clear();
    return this.root;
  }

  /** The node, copied unless this writer made it: the trie it came from stays as it was. */
  private own<N extends Node<T>>(node: N, parent: Branch<T> | null, slot: number): N {
    if (this.owned.has(node)) return node;
    const copy = this.mine(node.slice() as N);
    this.hang(copy, parent, slot);
    return copy;
  }

  private mine<N extends Node<T>>(node: N): N {
    this.owned.add(node);
    return node;
  }

  private hang(node: Node<T>, parent: Branch<T> | null, slot: number): void {
    if (parent) parent[slot] = node;
    else this.root = node;
  }

  /** A full leaf at `depth` as a branch over the next four bits of its keys' hashes. */
  private split(leaf: Leaf<T>, depth: number): Branch<T> {
    const branch = this.mine(new Array<Node<T> | null>(WIDTH).fill(null));
    for (const child of leaf) {
      const slot = slotOf(hashOf(child.key), depth);
      const below = branch[slot] as Leaf<T> | null;
      if (below) below.push(child);
      else branch[slot] = this.mine([child]);
    }
    for (let slot = 0; slot < WIDTH; slot++) {
      const below = branch[slot] as Leaf<T> | null;
      if (!below || below.length === 1) continue;
      // All of them under one slot (their hashes agree on these bits too): one level deeper.
      if (below.length > LEAF_MAX && depth + 1 < MAX_DEPTH) branch[slot] = this.split(below, depth + 1);
      else this.grown.set(below, { parent: branch, slot });
    }
    return branch;
  }
}
