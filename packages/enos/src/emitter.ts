type Listener = (...args: never[]) => void;

/**
 * The part of Node's `events.EventEmitter` the seed's clients expose (`on`, `once`, `off`,
 * `addListener`, `removeListener`, `removeAllListeners`, `emit`, `listenerCount`), without
 * `node:events`, so the clients run in every runtime. One difference, deliberate: an `error`
 * with no listener is dropped instead of thrown, because it is emitted from inside network
 * callbacks where a throw would take down the process.
 */
export class Emitter<Events extends { [K in keyof Events]: Listener }> {
  #listeners = new Map<keyof Events, { fn: Listener; once: boolean }[]>();

  on<K extends keyof Events>(event: K, listener: Events[K]): this {
    return this.#add(event, listener, false);
  }

  addListener<K extends keyof Events>(event: K, listener: Events[K]): this {
    return this.#add(event, listener, false);
  }

  once<K extends keyof Events>(event: K, listener: Events[K]): this {
    return this.#add(event, listener, true);
  }

  off<K extends keyof Events>(event: K, listener: Events[K]): this {
    const list = this.#listeners.get(event);
    if (list === undefined) return this;
    const at = list.findIndex((l) => l.fn === listener);
    if (at >= 0) list.splice(at, 1);
    if (list.length === 0) this.#listeners.delete(event);
    return this;
  }

  removeListener<K extends keyof Events>(event: K, listener: Events[K]): this {
    return this.off(event, listener);
  }

  removeAllListeners(event?: keyof Events): this {
    if (event === undefined) this.#listeners.clear();
    else this.#listeners.delete(event);
    return this;
  }

  listenerCount(event: keyof Events): number {
    return this.#listeners.get(event)?.length ?? 0;
  }

  /** Calls the listeners in order; one that throws is reported as an `error` (or dropped if it was an error listener). */
  emit<K extends keyof Events>(event: K, ...args: Parameters<Events[K]>): boolean {
    const list = this.#listeners.get(event);
    if (list === undefined) return false;
    for (const l of [...list]) {
      if (l.once) this.off(event, l.fn as Events[K]);
      try {
        (l.fn as (...a: unknown[]) => void)(...args);
      } catch (e) {
        if (event !== 'error') (this.emit as (e: string, ...a: unknown[]) => boolean)('error', e);
      }
    }
    return true;
  }

  #add(event: keyof Events, fn: Listener, once: boolean): this {
    let list = this.#listeners.get(event);
    if (list === undefined) this.#listeners.set(event, (list = []));
    list.push({ fn, once });
    return this;
  }
}
