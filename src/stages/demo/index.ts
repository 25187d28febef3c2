/**
 * demo: the bundled demo site.
 *
 * In: a seed and a photo count (nothing from disk or the network).
 * Out: a deterministic website served by node:http on 127.0.0.1, port 0, for `align-data demo`
 * (and tests) to crawl: captioned scene photos among the usual web noise (see site.ts).
 * May import: synthetic, util, errors (and sharp); never another stage.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildDemoSite, type DemoRoute } from './site.js';

export interface DemoSiteOptions {
  /** Address to listen on. @default '127.0.0.1' */
  host?: string;
  /** Captioned photos on the crawlable pages. @default 160 */
  photos?: number;
  /** Seed of everything generated. @default 1 */
  seed?: number;
}

export interface DemoSite {
  /** e.g. `http://127.0.0.1:40123` */
  origin: string;
  /** Where a crawl starts: the home page. */
  seed: string;
  photos: number;
  pages: number;
  /** Requests served so far. */
  readonly requests: number;
  close(): Promise<void>;
}

export async function startDemoSite(options: DemoSiteOptions = {}): Promise<DemoSite> {
  const spec = buildDemoSite({ photos: options.photos ?? 160, seed: options.seed ?? 1 });
  const rendered = new Map<string, Promise<Buffer>>();
  let requests = 0;
  const server = createServer((req, res) => {
    requests += 1;
    serve(spec.routes, rendered, req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(err));
    });
  });
  server.keepAliveTimeout = 2000;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://${host}:${port}`;
  return {
    origin,
    seed: `${origin}/`,
    photos: spec.photos,
    pages: spec.pages,
    get requests() {
      return requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function serve(routes: Map<string, DemoRoute>, rendered: Map<string, Promise<Buffer>>, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://demo').pathname;
  const route = routes.get(path);
  if (!route || (req.method !== 'GET' && req.method !== 'HEAD')) {
    res.writeHead(404, { 'content-type': 'text/html; charset=utf-8' }).end('<h1>Not found</h1>');
    return;
  }
  let body: Buffer;
  if ('body' in route) {
    body = Buffer.from(route.body, 'utf8');
  } else {
    // Rendered once, on first request: the crawler only pays for the images it fetches.
    let p = rendered.get(path);
    if (!p) rendered.set(path, (p = route.render()));
    body = await p;
  }
  res.writeHead(200, { 'content-type': route.type, 'content-length': body.length, 'cache-control': 'max-age=3600' });
  res.end(req.method === 'HEAD' ? undefined : body);
}

export { buildDemoSite } from './site.js';
