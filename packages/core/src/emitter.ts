/**
 * A minimal typed event emitter. The core has no dependencies and must run on Espruino, whose objects
 * carry a built-in `on`/`emit` with different semantics, so it keeps its own listener table.
 *
 * @module
 */

/** A listener for an event whose payload is `T`. */
export type Listener<T> = (payload: T) => void;

/**
 * Typed emitter. `Events` maps event names to payload types.
 *
 * @example
 * ```ts
 * const e = new Emitter<{ tick: number }>();
 * const off = e.on('tick', (n) => console.log(n));
 * e.emit('tick', 1);
 * off();
 * ```
 */
export class Emitter<Events extends object> {
  private listeners_: { [K in keyof Events]?: Listener<Events[K]>[] } = {};

  /** Add a listener; returns a function that removes it. */
  on<K extends keyof Events>(name: K, listener: Listener<Events[K]>): () => void {
    const list = this.listeners_[name] || (this.listeners_[name] = []);
    list.push(listener);
    // Bound, not a closure: an app may keep it for good, and on Espruino a bound function is about four
    // variables where a closure also keeps this call's scope.
    return (this.off as (n: K, l: Listener<Events[K]>) => void).bind(this, name, listener);
  }

  /** Add a listener that is removed after its first call. */
  once<K extends keyof Events>(name: K, listener: Listener<Events[K]>): () => void {
    const off = this.on(name, (payload) => {
      off();
      listener(payload);
    });
    return off;
  }

  /** Remove a listener added with {@link Emitter.on}. */
  off<K extends keyof Events>(name: K, listener: Listener<Events[K]>): void {
    const list = this.listeners_[name];
    if (list) this.listeners_[name] = list.filter((l) => l !== listener);
  }

  /**
   * Call every listener of `name` with `payload`. A listener that throws does not stop the others;
   * the first error is re-thrown afterwards unless `onError` handles it.
   */
  emit<K extends keyof Events>(name: K, payload: Events[K], onError?: (e: unknown) => void): void {
    const list = this.listeners_[name];
    if (!list) return;
    // Listeners added or removed during emit take effect from the next emit.
    const snapshot = list.slice();
    let failure: unknown;
    let failed = false;
    for (let i = 0; i < snapshot.length; i++) {
      try {
        snapshot[i](payload);
      } catch (e) {
        if (onError) onError(e);
        else if (!failed) {
          failed = true;
          failure = e;
        }
      }
    }
    if (failed) throw failure;
  }

  /** Number of listeners for `name`. */
  listenerCount<K extends keyof Events>(name: K): number {
    const list = this.listeners_[name];
    return list ? list.length : 0;
  }
}
