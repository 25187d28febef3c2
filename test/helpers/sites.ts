import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { corpusDir } from './paths.js';
import { startServer, type TestServer } from './server.js';

/**
 * A small web of sites on several loopback hosts (127.0.0.2, .3, ...) with links and images
 * across hosts, for partitioned crawls: only the first host's home page is a seed, so a
 * partition reaches the other hosts only through work handed over by `merge` (crawl them
 * with scope mode 'any'). One alt text
 * is spread over images on every host (only the global count rejects it: images-per-alt),
 * one pair appears on every host (the copies are duplicates; on the first host one more copy,
 * first in URL order, is on a page that says noai, so no copy is kept), and the last host asks
 * for a Crawl-delay.
 */
export interface Web {
  servers: TestServer[];
  seed: string;
  close(): Promise<void>;
}

const solid = (shade: number, size = 300): Promise<Buffer> =>
  sharp({ create: { width: size, height: size, channels: 3, background: { r: shade, g: 255 - shade, b: (shade * 7) % 256 } } }).png().toBuffer();

function html(title: string, links: string[], imgs: { src: string; alt: string }[]): string {
  return `<!doctype html><html><head><title>${title}</title></head><body>` +
    links.map((l) => `<a href="${l}">${l}</a>`).join('\n') +
    imgs.map((i) => `<img src="${i.src}" alt="${i.alt}">`).join('\n') + '</body></html>';
}

export async function startWeb(hostCount = 5, crawlDelaySeconds = 1): Promise<Web> {
  const photo = readFileSync(join(corpusDir(), 'images', 'Garden.jpg'));
  const servers: TestServer[] = [];
  for (let k = 0; k < hostCount; k++) servers.push(await startServer({}, `127.0.0.${k + 2}`));
  for (let k = 0; k < hostCount; k++) {
    const s = servers[k]!;
    const next = servers[(k + 1) % hostCount]!.origin;
    const far = servers[(k + 2) % hostCount]!.origin;
    s.routes.set('/own.png', { body: await solid(20 + k * 40), type: 'image/png' });
    s.routes.set('/tile-a.png', { body: await solid(25 + k * 40), type: 'image/png' });
    s.routes.set('/tile-b.png', { body: await solid(30 + k * 40), type: 'image/png' });
    s.routes.set('/tiny.png', { body: await solid(35 + k * 40, 40), type: 'image/png' });
    if (k === 0) s.routes.set('/garden.jpg', { body: photo, type: 'image/jpeg' });
    const spread = 'click here to see more';
    if (k === 0) {
      // The first copy of the garden pair in URL order ('/a-…' before '/p2'), on a page that opts out.
      s.routes.set('/a-noai', '<!doctype html><html><head><meta name="robots" content="noai"></head><body>' +
        `<img src="/garden.jpg" alt="a garden in full bloom"></body></html>`);
    }
    s.routes.set('/', html(`home ${k}`, ['/p1', '/p2', ...(k === 0 ? ['/a-noai'] : []), `${next}/`], [
      { src: '/own.png', alt: `the home picture of site ${k}` },
      // No pair, a row of imgs_not_paired (data_uri_only): merge carries it from the page's owner.
      { src: 'data:image/png;base64,AAAA', alt: 'an inline picture' },
    ]));
    s.routes.set('/p1', html(`p1 ${k}`, ['/p2', `${far}/p2`], [
      { src: '/tile-a.png', alt: spread },
      { src: '/tile-b.png', alt: spread },
      { src: `${far}/own.png`, alt: `site ${(k + 2) % hostCount} seen from site ${k}` },
      { src: '/tiny.png', alt: 'a very small square picture' },
    ]));
    s.routes.set('/p2', html(`p2 ${k}`, ['/'], [
      { src: `${servers[0]!.origin}/garden.jpg`, alt: 'a garden in full bloom' },
      { src: '/missing.png', alt: 'a picture that is not there' },
    ]));
    if (k === hostCount - 1) {
      s.routes.set('/robots.txt', { body: `User-agent: *\nCrawl-delay: ${crawlDelaySeconds}\n`, type: 'text/plain' });
    }
  }
  return {
    servers,
    seed: `${servers[0]!.origin}/`,
    close: async () => {
      for (const s of servers) await s.close();
    },
  };
}
