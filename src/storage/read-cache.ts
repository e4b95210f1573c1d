/**
 * A read-through cache for the lookups every request repeats (token → user, enterprise and the caller's role, one
 * runner), on the embedded SQLite store.
 *
 * Invalidation is whole-cache and exact, decided by SQLite itself rather than by the code that writes:
 * - `total_changes()` counts every row this connection inserted, updated or deleted (any statement: Kysely, raw SQL,
 *   a transaction later rolled back), and a cascade only happens because a counted delete did;
 * - `PRAGMA data_version` changes when another connection (another process: `gatehouse token create` beside a running
 *   server) commits to the file.
 * Both are checked on every lookup (db.ts `sqliteChangeStamp`: well under a microsecond); when either moved, every
 * entry is dropped. At most `maxEntries` values are kept (20,000: some tens of megabytes of SCIM resources at most),
 * the oldest dropped first. A value is stored only if neither moved while it was being read, so a write racing a
 * read never leaves a stale entry behind. Reads made inside a transaction neither use nor fill the cache.
 *
 * On PostgreSQL there is no equally cheap and exact signal across instances, so there is no cache: every read goes to
 * the database and several instances stay consistent without coordinating.
 */
import type { Db } from '../domain/context.ts';

/** Reads the change stamp: [total_changes, data_version]. Throws when the connection cannot answer right now. */
export type ChangeStamp = () => readonly [number, number];

const NONE = Symbol('none');

export class ReadCache {
  readonly #entries = new Map<string, unknown>();
  readonly #stamp: ChangeStamp;
  readonly #maxEntries: number;
  #changes = -1;
  #version = -1;
  /** Lookups answered from memory, and lookups that went to the store (for `/_gatehouse/metrics`). */
  hits = 0;
  misses = 0;

  constructor(stamp: ChangeStamp, maxEntries = 20_000) {
    this.#stamp = stamp;
    this.#maxEntries = maxEntries;
  }

  /** Brings the cache up to date with the store; false when the stamp cannot be read (then nothing is cached). */
  #sync(): boolean {
    let changes: number;
    let version: number;
    try {
      [changes, version] = this.#stamp();
    } catch {
      return false;
    }
    if (changes !== this.#changes || version !== this.#version) {
      this.#entries.clear();
      this.#changes = changes;
      this.#version = version;
    }
    return true;
  }

  /**
   * The cached value for `key` (synchronously: a hit allocates no promise), or `load()`'s, kept for later calls if
   * the store did not change meanwhile.
   */
  get<V>(key: string, load: () => Promise<V>): V | Promise<V> {
    if (!this.#sync()) {
      this.misses += 1;
      return load();
    }
    const hit = this.#entries.get(key);
    if (hit !== undefined) {
      this.hits += 1;
      return (hit === NONE ? undefined : hit) as V;
    }
    this.misses += 1;
    return this.#fill(key, load);
  }

  async #fill<V>(key: string, load: () => Promise<V>): Promise<V> {
    const changes = this.#changes;
    const version = this.#version;
    const value = await load();
    if (this.#sync() && this.#changes === changes && this.#version === version) {
      // Full: the oldest entry goes (a Map iterates in insertion order).
      if (this.#entries.size >= this.#maxEntries) this.#entries.delete(this.#entries.keys().next().value as string);
      this.#entries.set(key, value === undefined ? NONE : value);
    }
    return value;
  }

  get size(): number {
    return this.#entries.size;
  }
}

const caches = new WeakMap<Db, ReadCache>();

export function attachReadCache(db: Db, cache: ReadCache): void {
  caches.set(db, cache);
}

/**
 * Reads `key` through the store's cache, or straight from `load` when `db` has none (PostgreSQL, a transaction, a
 * store opened without one). `key` must name everything the loaded value depends on, including its kind.
 */
export function cachedRead<V>(db: Db, key: string, load: () => Promise<V>): V | Promise<V> {
  const cache = db.isTransaction ? undefined : caches.get(db);
  return cache === undefined ? load() : cache.get(key, load);
}

/** What a cached read gives: the value itself on a hit, a promise of it otherwise. */
export type MaybePromise<V> = V | Promise<V>;

/**
 * Applies `next` to a cached read's value: at once on a hit (no promise, no microtask), after it resolves otherwise.
 * Lets the few functions on every request's path stay synchronous when everything they need is cached.
 */
export function thenMaybe<V, R>(value: MaybePromise<V>, next: (value: V) => MaybePromise<R>): MaybePromise<R> {
  return value instanceof Promise ? value.then(next) : next(value);
}

/**
 * Something derived from a value the read cache hands out (its serialised body, say), kept beside that value and
 * dropped with it: while the store does not change, every request gets the same value object back, so `make` runs
 * once per value and `key` (up to `perValue` keys; beyond that, `make` runs each time). Values read without the cache
 * are fresh objects, so there this is a pass-through.
 */
const derived = new WeakMap<object, Map<string, unknown>>();

export function keptBeside<T>(value: object, key: string, make: () => T, perValue = 8): T {
  let byKey = derived.get(value);
  if (byKey === undefined) {
    byKey = new Map();
    derived.set(value, byKey);
  }
  let kept = byKey.get(key) as T | undefined;
  if (kept === undefined) {
    kept = make();
    if (byKey.size < perValue) byKey.set(key, kept);
  }
  return kept;
}

/** The cache attached to a store's Kysely instance, if any (for tests and diagnostics). */
export function readCacheOf(db: Db): ReadCache | undefined {
  return caches.get(db);
}
