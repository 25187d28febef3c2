import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the server saw it: for asserting on politeness (order, timing, concurrency). */
export interface LoggedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  at: number;
  /** Requests in flight on this server when this one arrived (itself included). */
  inFlight: number;
}

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;
/** A route is a handler, or a static body (string/Buffer) served as text/html. */
export type Route = RouteHandler | string | Buffer | { body: string | Buffer; type?: string; status?: number; headers?: Record<string, string> };

export interface TestServer {
  /** e.g. `http://127.0.0.2:40123` */
  origin: string;
  host: string;
  port: number;
  log: LoggedRequest[];
  /** Peak of concurrent requests seen. */
  maxInFlight: number;
  routes: Map<string, Route>;
  close(): Promise<void>;
}

/**
 * A real node:http server on 127.0.0.x, port 0, with a route map keyed by path (query included
 * when present in the key) and a log of every request. Unknown paths get 404.
 * Use different loopback addresses (127.0.0.2, 127.0.0.3, ...) to get different hosts.
 */
export async function startServer(routes: Record<string, Route> | Map<string, Route> = {}, host = '127.0.0.1'): Promise<TestServer> {
  const map = routes instanceof Map ? routes : new Map(Object.entries(routes));
  const log: LoggedRequest[] = [];
  let inFlight = 0;
  const state = { maxInFlight: 0 };
  const server: Server = createServer((req, res) => {
    inFlight += 1;
    state.maxInFlight = Math.max(state.maxInFlight, inFlight);
    const url = new URL(req.url ?? '/', 'http://x');
    log.push({ method: req.method ?? 'GET', path: url.pathname + url.search, headers: req.headers, at: Date.now(), inFlight });
    let done = false;
    const finish = (): void => {
      if (!done) {
        done = true;
        inFlight -= 1;
      }
    };
    res.on('close', finish);
    res.on('finish', finish);
    const route = map.get(url.pathname + url.search) ?? map.get(url.pathname);
    if (route === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    if (typeof route === 'function') {
      Promise.resolve(route(req, res)).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500);
        res.end(String(err));
      });
      return;
    }
    if (typeof route === 'string' || Buffer.isBuffer(route)) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(route);
      return;
    }
    res.writeHead(route.status ?? 200, { 'content-type': route.type ?? 'text/html; charset=utf-8', ...route.headers }).end(route.body);
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    origin: `http://${host}:${port}`,
    host,
    port,
    log,
    get maxInFlight() {
      return state.maxInFlight;
    },
    routes: map,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      return closing;
    },
  };
}

/**
 * The servers of one test file: `serve` starts one and remembers it, `closeAll` (in afterAll)
 * closes every one still open. Closing a server twice is harmless.
 */
export function serverPool(): { serve: (routes: Record<string, Route>, host: string) => Promise<TestServer>; closeAll: () => Promise<void> } {
  const servers: TestServer[] = [];
  return {
    async serve(routes, host) {
      const s = await startServer(routes, host);
      servers.push(s);
      return s;
    },
    closeAll: async () => {
      await Promise.all(servers.map((s) => s.close()));
    },
  };
}
