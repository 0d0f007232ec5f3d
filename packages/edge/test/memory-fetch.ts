import { utf8Decode, utf8Encode } from '@linkwire/base';
import type { EdgeFetch, EdgeFetchResponse, EdgeHttpHandler } from '@linkwire/edge';

/** A readable body fed by hand: what a test needs of a fetch Response's stream. */
export function manualBody() {
  const queue: Uint8Array[] = [];
  let pending: { resolve: (r: { done: boolean; value?: Uint8Array }) => void; reject: (e: Error) => void } | undefined;
  let failure: Error | undefined;
  let done = false;
  const flush = (): void => {
    if (pending === undefined) return;
    const p = pending;
    if (queue.length > 0) p.resolve({ done: false, value: queue.shift()! });
    else if (failure !== undefined) p.reject(failure);
    else if (done) p.resolve({ done: true });
    else return;
    pending = undefined;
  };
  return {
    write(bytes: Uint8Array | string) {
      if (done || failure) return;
      queue.push(typeof bytes === 'string' ? utf8Encode(bytes) : bytes);
      flush();
    },
    end() {
      done = true;
      flush();
    },
    body: {
      getReader() {
        return {
          read: () =>
            new Promise<{ done: boolean; value?: Uint8Array }>((resolve, reject) => {
              pending = { resolve, reject };
              flush();
            }),
          cancel: async () => {
            queue.length = 0;
            done = true;
            flush();
          },
        };
      },
    },
    /** Cuts the stream: the pending read rejects, as a reset connection does. */
    cut(e = new Error('socket hang up')) {
      queue.length = 0;
      failure = e;
      flush();
    },
  };
}

/** A fetch that answers with a fixed status, headers and text (the seed's example responses). */
export function cannedResponse(status: number, text: string, headers: Record<string, string> = {}): EdgeFetchResponse {
  const bytes = utf8Encode(text);
  const h = new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return { status, headers: { get: (n) => h.get(n.toLowerCase()) ?? null }, arrayBuffer: async () => bytes.slice().buffer, body: null };
}

/** A fetch straight into a sans-IO handler: no sockets, the same requests and answers. */
export function handlerFetch(api: EdgeHttpHandler): EdgeFetch & { calls: string[] } {
  const calls: string[] = [];
  const f = async (url: string, init: Parameters<EdgeFetch>[1]): Promise<EdgeFetchResponse> => {
    const u = new URL(url);
    calls.push(`${init.method} ${u.pathname}`);
    const body = init.body === undefined ? new Uint8Array(0) : typeof init.body === 'string' ? utf8Encode(init.body) : init.body;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(init.headers)) headers[k.toLowerCase()] = v;
    const r = await api.handle({ method: init.method, url: u.pathname + u.search, headers, body });
    const h = new Map(Object.entries(r.headers));
    if ('body' in r) return { status: r.status, headers: { get: (n) => h.get(n.toLowerCase()) ?? null }, arrayBuffer: async () => r.body.slice().buffer, body: null };
    const m = manualBody();
    r.stream.start((chunk) => m.write(chunk), () => m.end());
    const reader = m.body.getReader();
    return {
      status: r.status,
      headers: { get: (n) => h.get(n.toLowerCase()) ?? null },
      arrayBuffer: async () => new ArrayBuffer(0),
      body: { getReader: () => ({ read: reader.read, cancel: async () => (r.stream.cancel(), reader.cancel()) }) },
    };
  };
  return Object.assign(f, { calls });
}

export const text = (b: Uint8Array): string => utf8Decode(b);
