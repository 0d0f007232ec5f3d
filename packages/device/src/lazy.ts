import type { DeviceShadowApi } from './shadow.ts';
import type { Ota } from './ota.ts';
import type { Gateway } from './gateway.ts';

/**
 * The shadow, OTA and gateway parts load on first use (a dynamic import): a device that posts
 * properties and answers commands never downloads them (the browser bundle's budget, issue 15).
 * These stand-ins carry the parts' APIs meanwhile: a request waits for its part, a handler is
 * registered once the part is there, and what only a loaded part can know reads as empty.
 */
export interface PartLoader<T> {
  /** The part, loading it first if needed. */
  load(): Promise<T>;
  /** The part if it has loaded. */
  loaded(): T | undefined;
  /** A handler registration that failed to load is reported, never thrown at the caller. */
  failed(e: unknown): void;
}

/** Registers `handler` once the part has loaded; the remover works before and after. */
function later<T>(parts: PartLoader<T>, register: (part: T) => () => void): () => void {
  let off: (() => void) | undefined;
  let removed = false;
  parts.load().then((part) => {
    if (!removed) off = register(part);
  }, (e: unknown) => parts.failed(e));
  return () => {
    removed = true;
    off?.();
  };
}

export class LazyShadow implements DeviceShadowApi {
  readonly #parts: PartLoader<DeviceShadowApi>;
  constructor(parts: PartLoader<DeviceShadowApi>) {
    this.#parts = parts;
  }
  get document(): DeviceShadowApi['document'] {
    return this.#parts.loaded()?.document;
  }
  get(): ReturnType<DeviceShadowApi['get']> {
    return this.#parts.load().then((s) => s.get());
  }
  update(...a: Parameters<DeviceShadowApi['update']>): ReturnType<DeviceShadowApi['update']> {
    return this.#parts.load().then((s) => s.update(...a));
  }
  delete(...a: Parameters<DeviceShadowApi['delete']>): ReturnType<DeviceShadowApi['delete']> {
    return this.#parts.load().then((s) => s.delete(...a));
  }
  onDelta(handler: Parameters<DeviceShadowApi['onDelta']>[0]): () => void {
    return later(this.#parts, (s) => s.onDelta(handler));
  }
}

export class LazyOta implements Ota {
  readonly #parts: PartLoader<Ota>;
  constructor(parts: PartLoader<Ota>) {
    this.#parts = parts;
  }
  inform(...a: Parameters<Ota['inform']>): ReturnType<Ota['inform']> {
    return this.#parts.load().then((o) => o.inform(...a));
  }
  onUpgrade(handler: Parameters<Ota['onUpgrade']>[0]): () => void {
    return later(this.#parts, (o) => o.onUpgrade(handler));
  }
  pull(...a: Parameters<Ota['pull']>): ReturnType<Ota['pull']> {
    return this.#parts.load().then((o) => o.pull(...a));
  }
  download(...a: Parameters<Ota['download']>): ReturnType<Ota['download']> {
    return this.#parts.load().then((o) => o.download(...a));
  }
  activate<T>(...a: Parameters<Ota['activate']>): Promise<T> {
    return this.#parts.load().then((o) => o.activate(...a) as Promise<T>);
  }
  progress(...a: Parameters<Ota['progress']>): ReturnType<Ota['progress']> {
    return this.#parts.load().then((o) => o.progress(...a));
  }
  getConfig(...a: Parameters<Ota['getConfig']>): ReturnType<Ota['getConfig']> {
    return this.#parts.load().then((o) => o.getConfig(...a));
  }
  onConfigPush(handler: Parameters<Ota['onConfigPush']>[0]): () => void {
    return later(this.#parts, (o) => o.onConfigPush(handler));
  }
  onModelConfigPush(handler: Parameters<Ota['onModelConfigPush']>[0]): () => void {
    return later(this.#parts, (o) => o.onModelConfigPush(handler));
  }
}

export class LazyGateway implements Gateway {
  readonly #parts: PartLoader<Gateway>;
  constructor(parts: PartLoader<Gateway>) {
    this.#parts = parts;
  }
  get online(): Gateway['online'] {
    return this.#parts.loaded()?.online ?? [];
  }
  subDevice(...a: Parameters<Gateway['subDevice']>): ReturnType<Gateway['subDevice']> {
    return this.#parts.load().then((g) => g.subDevice(...a));
  }
  login(...a: Parameters<Gateway['login']>): ReturnType<Gateway['login']> {
    return this.#parts.load().then((g) => g.login(...a));
  }
  logout(...a: Parameters<Gateway['logout']>): ReturnType<Gateway['logout']> {
    return this.#parts.load().then((g) => g.logout(...a));
  }
  addTopo(...a: Parameters<Gateway['addTopo']>): ReturnType<Gateway['addTopo']> {
    return this.#parts.load().then((g) => g.addTopo(...a));
  }
  deleteTopo(...a: Parameters<Gateway['deleteTopo']>): ReturnType<Gateway['deleteTopo']> {
    return this.#parts.load().then((g) => g.deleteTopo(...a));
  }
  getTopo(...a: Parameters<Gateway['getTopo']>): ReturnType<Gateway['getTopo']> {
    return this.#parts.load().then((g) => g.getTopo(...a));
  }
  reportFound(...a: Parameters<Gateway['reportFound']>): ReturnType<Gateway['reportFound']> {
    return this.#parts.load().then((g) => g.reportFound(...a));
  }
  register(...a: Parameters<Gateway['register']>): ReturnType<Gateway['register']> {
    return this.#parts.load().then((g) => g.register(...a));
  }
  provision(...a: Parameters<Gateway['provision']>): ReturnType<Gateway['provision']> {
    return this.#parts.load().then((g) => g.provision(...a));
  }
  onTopoChange(handler: Parameters<Gateway['onTopoChange']>[0]): () => void {
    return later(this.#parts, (g) => g.onTopoChange(handler));
  }
}
