import sharp from 'sharp';
import { buildDemoSite, startDemoSite, type DemoSite } from '../../../src/stages/demo/index.js';
import { sha256Hex } from '../../../src/util/hash.js';

interface Img {
  page: string;
  src: string;
  dataSrc?: string;
  srcset?: string;
  alt: string;
}

/** Every <img> of every page, by a plain attribute scan (the site's markup is regular). */
function imagesOf(routes: ReturnType<typeof buildDemoSite>['routes']): Img[] {
  const out: Img[] = [];
  for (const [path, route] of routes) {
    if (!('body' in route) || !route.type.startsWith('text/html')) continue;
    for (const tag of route.body.match(/<img [^>]*>/g) ?? []) {
      const attr = (name: string): string | undefined => new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1];
      out.push({ page: path, src: attr('src')!, dataSrc: attr('data-src'), srcset: attr('srcset'), alt: attr('alt') ?? '' });
    }
  }
  return out;
}

describe('demo site', () => {
  let site: DemoSite;
  beforeAll(async () => {
    site = await startDemoSite({ photos: 160 });
  });
  afterAll(() => site.close());

  const get = async (path: string): Promise<{ status: number; type: string; body: Buffer }> => {
    const r = await fetch(site.origin + path);
    return { status: r.status, type: r.headers.get('content-type') ?? '', body: Buffer.from(await r.arrayBuffer()) };
  };

  test('is generated deterministically: the same pages and the same image bytes every time', async () => {
    const a = buildDemoSite({ photos: 160, seed: 1 });
    const b = buildDemoSite({ photos: 160, seed: 1 });
    const html = (s: typeof a): string[] => [...s.routes].filter(([, r]) => 'body' in r).map(([p, r]) => p + ('body' in r ? r.body : ''));
    expect(html(b)).toEqual(html(a));
    const other = await startDemoSite({ photos: 160 });
    try {
      for (const path of ['/photos/0.jpg', '/photos/17.jpg', '/static/logo.png', '/ads/banner-1.jpg']) {
        const mine = await get(path);
        const theirs = Buffer.from(await (await fetch(other.origin + path)).arrayBuffer());
        expect(sha256Hex(theirs)).toBe(sha256Hex(mine.body));
      }
    } finally {
      await other.close();
    }
  });

  test('robots.txt disallows /private/, which holds pages with images; unknown paths are 404', async () => {
    const robots = await get('/robots.txt');
    expect(robots.body.toString()).toMatch(/User-agent: \*\nDisallow: \/private\//);
    const priv = await get('/private/index.html');
    expect(priv.body.toString()).toMatch(/<img /);
    expect((await get('/nope.html')).status).toBe(404);
    expect((await get('/photos/missing.jpg')).status).toBe(404);
  });

  test('captioned photos are real JPEGs that pass size and aspect, with 3-20 word captions', async () => {
    const spec = buildDemoSite({ photos: 160, seed: 1 });
    // The full-size file: data-src, the widest srcset candidate, or src.
    const full = (i: Img): string => i.dataSrc ?? i.srcset?.split(', ').at(-1)?.split(' ')[0] ?? i.src;
    const photos = imagesOf(spec.routes).filter((i) => /^\/photos\/\d+\.jpg$/.test(full(i)) && !i.page.startsWith('/private') && i.page !== '/about.html');
    const distinct = new Set(photos.map(full));
    expect(distinct.size).toBeGreaterThanOrEqual(150);
    for (const p of photos.filter((x) => x.alt !== 'image')) {
      const words = p.alt.split(' ').length;
      expect(words).toBeGreaterThanOrEqual(3);
      expect(words).toBeLessThanOrEqual(20);
    }
    for (const path of [...distinct].slice(0, 12)) {
      const r = await get(path);
      expect(r.type).toBe('image/jpeg');
      const m = await sharp(r.body).metadata();
      expect(Math.min(m.width, m.height)).toBeGreaterThan(200);
      expect(Math.max(m.width, m.height) / Math.min(m.width, m.height)).toBeLessThan(3);
    }
  });

  test('has the usual web noise: lazy and srcset images, one logo under many alts, icons, spacers, banners, shared alts', async () => {
    const imgs = imagesOf(buildDemoSite({ photos: 160, seed: 1 }).routes);
    expect(imgs.filter((i) => i.dataSrc && i.src === '/static/placeholder.gif').length).toBeGreaterThan(20);
    expect(imgs.filter((i) => i.srcset).length).toBeGreaterThan(10);
    expect(new Set(imgs.filter((i) => i.src === '/static/logo.png').map((i) => i.alt)).size).toBeGreaterThanOrEqual(12);
    expect(new Set(imgs.filter((i) => i.alt === 'Click here to read more').map((i) => i.src)).size).toBeGreaterThan(10);
    expect(imgs.filter((i) => i.alt === 'image').length).toBeGreaterThan(5);
    expect(imgs.some((i) => i.src === '/static/spacer.gif')).toBe(true);
    const banner = await sharp((await get('/ads/banner-0.jpg')).body).metadata();
    expect(banner.width / banner.height).toBeGreaterThan(3);
    const icon = await sharp((await get('/static/icons/rss.png')).body).metadata();
    expect(Math.max(icon.width, icon.height)).toBeLessThan(200);
    expect((await get('/about.html')).body.toString()).toContain('<meta name="robots" content="noai, noimageai">');
    const broken = (await get('/photos/broken.jpg')).body;
    await expect(sharp(broken).metadata()).resolves.toMatchObject({ format: 'jpeg' });
    await expect(sharp(broken).stats()).rejects.toThrow();
  });
});
