import { renderScene } from '../../synthetic/render.js';
import { type Scene, makeScenes } from '../../synthetic/scenes.js';
import { renderLabel, renderPixelGif, renderTruncatedJpeg } from './images.js';

/**
 * The demo site's pages and images as a route table. Pages are HTML strings; images are
 * rendered on first request. What is on it, and what each filter should make of it:
 * - gallery pages of captioned scene photos: plain, lazy-loaded (data-src), srcset and
 *   <figure> images — the pairs worth keeping;
 * - one logo on every page under many alts, icons, spacer GIFs, ad banners with an extreme
 *   aspect ratio — rejected by size and aspect;
 * - "Click here to read more" on a dozen different thumbnails — rejected by images per alt;
 *   photos whose alt is just "image" — rejected by word count;
 * - the same photo and caption on two pages — one sample;
 * - an about page that opts out (noai), a /private/ section robots.txt disallows, a truncated
 *   JPEG and a missing image.
 */

export type DemoRoute = { type: string; body: string } | { type: string; render: () => Promise<Buffer> };

export interface DemoSiteSpec {
  routes: Map<string, DemoRoute>;
  /** Photos with descriptive captions on crawlable, opted-in pages. */
  photos: number;
  pages: number;
}

const ARTICLES = 12;
const PER_GALLERY = 10;
const LOGO_ALTS = [
  'Shapes and Signs', 'logo', 'Home', 'Shapes and Signs logo', 'Back to the home page', 'Shapes & Signs: a demo site',
  'shapes and signs', 'Go to the front page', 'SHAPES AND SIGNS', 'Our logo', 'Shapes and Signs home', 'Site logo',
];
const ADS = [
  ['SALE', 'Advertisement: summer sale on garden furniture, up to half price'],
  ['SHOES', 'Advertisement: new running shoes for the whole family'],
  ['TRAVEL', 'Advertisement: cheap flights to sunny places this winter'],
  ['BANK', 'Advertisement: open a savings account in five minutes'],
] as const;

export function buildDemoSite(options: { photos: number; seed: number }): DemoSiteSpec {
  const P = options.photos;
  const scenes = makeScenes(P + 7, options.seed);
  const routes = new Map<string, DemoRoute>();
  const galleries = Math.ceil(P / PER_GALLERY);
  addImageRoutes(routes, scenes, P);
  routes.set('/robots.txt', { type: 'text/plain; charset=utf-8', body: 'User-agent: *\nDisallow: /private/\n' });
  const page = (path: string, title: string, body: string, n: number, head = ''): void => {
    routes.set(path, { type: 'text/html; charset=utf-8', body: layout(title, body, n, head) });
  };
  page('/', 'Shapes and Signs', indexBody(scenes, galleries), 0);
  for (let g = 0; g < galleries; g++) page(`/gallery/${g + 1}.html`, `Gallery ${g + 1}`, galleryBody(scenes, g, P, galleries), g + 1);
  for (let a = 0; a < ARTICLES; a++) page(`/articles/${a + 1}.html`, `Story ${a + 1}`, articleBody(scenes, a, P), galleries + a + 1);
  page('/about.html', 'About', photoList(scenes.slice(P, P + 3)), 1, '<meta name="robots" content="noai, noimageai">');
  page('/private/index.html', 'Private', photoList(scenes.slice(P + 3, P + 6)), 2);
  return { routes, photos: P, pages: 1 + galleries + ARTICLES + 1 };
}

function addImageRoutes(routes: Map<string, DemoRoute>, scenes: Scene[], P: number): void {
  const jpeg = (render: () => Promise<Buffer>): DemoRoute => ({ type: 'image/jpeg', render });
  const png = (render: () => Promise<Buffer>): DemoRoute => ({ type: 'image/png', render });
  for (const s of scenes.slice(0, P + 6)) {
    routes.set(`/photos/${s.id}.jpg`, jpeg(() => renderScene(s)));
    if (hasSmall(s)) routes.set(`/photos/${s.id}-small.jpg`, jpeg(() => renderScene(s, { width: Math.round(s.width * 0.6) })));
  }
  routes.set('/photos/broken.jpg', jpeg(() => renderTruncatedJpeg(scenes[P + 6]!)));
  routes.set('/static/logo.png', png(() => renderLabel({ width: 200, height: 50, background: '#222', ink: '#f6c026', text: 'SHAPES', format: 'png' })));
  for (const [name, text] of [['rss', 'R'], ['mail', 'M'], ['search', 'S'], ['share', 'F']] as const) {
    routes.set(`/static/icons/${name}.png`, png(() => renderLabel({ width: 24, height: 24, background: '#1d4ed8', ink: '#fff', text, format: 'png' })));
  }
  routes.set('/static/spacer.gif', { type: 'image/gif', render: () => renderPixelGif(true) });
  routes.set('/static/placeholder.gif', { type: 'image/gif', render: () => renderPixelGif(false) });
  ADS.forEach(([word], i) => {
    routes.set(`/ads/banner-${i}.jpg`, jpeg(() => renderLabel({ width: 728, height: 90, background: '#f77f00', ink: '#fff', text: word, format: 'jpeg' })));
  });
  for (let a = 0; a < ARTICLES; a++) {
    const [bg, ink] = a % 2 ? ['#2a9d3f', '#fff'] : ['#7b2cbf', '#f6c026'];
    routes.set(`/thumbs/${a + 1}.jpg`, jpeg(() => renderLabel({ width: 320, height: 240, background: bg, ink, text: `STORY ${'ABCDEFGHIJKL'[a]}`, format: 'jpeg' })));
  }
}

const hasSmall = (s: Scene): boolean => Math.min(s.width, s.height) >= 360;

function photoTag(s: Scene, i: number, alt = s.caption): string {
  const a = escapeHtml(alt);
  if (i % 5 === 1) return `<img src="/static/placeholder.gif" data-src="/photos/${s.id}.jpg" alt="${a}" class="lazy">`;
  if (i % 5 === 3 && hasSmall(s)) {
    return `<img src="/photos/${s.id}-small.jpg" srcset="/photos/${s.id}-small.jpg ${Math.round(s.width * 0.6)}w, /photos/${s.id}.jpg ${s.width}w" sizes="(max-width: 600px) 100vw, 640px" alt="${a}">`;
  }
  if (i % 5 === 4) return `<figure><img src="/photos/${s.id}.jpg" alt="${a}"><figcaption>${escapeHtml(s.caption)}</figcaption></figure>`;
  return `<img src="/photos/${s.id}.jpg" width="${s.width}" height="${s.height}" alt="${a}">`;
}

function photoList(scenes: Scene[]): string {
  return scenes.map((s, i) => `<p>${photoTag(s, i)}</p>`).join('\n');
}

function indexBody(scenes: Scene[], galleries: number): string {
  const links = Array.from({ length: galleries }, (_, g) => `<li><a href="/gallery/${g + 1}.html">Gallery ${g + 1}</a></li>`);
  const stories = Array.from({ length: ARTICLES }, (_, a) => `<li><a href="/articles/${a + 1}.html">Story ${a + 1}</a></li>`);
  return `<h1>Shapes and Signs</h1><p>Featured:</p>${photoList(scenes.slice(0, 3))}
    <ul>${links.join('')}</ul><ul>${stories.join('')}</ul>
    <p><a href="/about.html">About us</a> · <a href="/private/index.html">Members only</a></p>${banner(0)}`;
}

function galleryBody(scenes: Scene[], g: number, P: number, galleries: number): string {
  const mine = scenes.slice(g * PER_GALLERY, Math.min(P, (g + 1) * PER_GALLERY));
  const story = (g % ARTICLES) + 1;
  const extras = g === 0 ? '<p><img src="/photos/broken.jpg" alt="A photo that was cut short in transfer"></p><p><img src="/photos/missing.jpg" alt="A photo that is no longer on the server"></p>' : '';
  const nav = [g > 0 ? `<a href="/gallery/${g}.html">Previous</a>` : '', g + 1 < galleries ? `<a href="/gallery/${g + 2}.html">Next</a>` : ''].join(' ');
  return `<h1>Gallery ${g + 1}</h1>${mine.map((s, i) => `<div class="photo">${photoTag(s, i)}</div>`).join('\n')}${extras}
    <p><a href="/articles/${story}.html"><img src="/thumbs/${story}.jpg" alt="Click here to read more"></a></p>
    <p>${nav}</p>${g % 3 === 0 ? banner(g) : ''}`;
}

function articleBody(scenes: Scene[], a: number, P: number): string {
  const main = scenes[(a * 7) % P]!;
  const again = scenes[(a * 7 + 3) % P]!;
  const plain = scenes[(a * 11 + 5) % P]!;
  const text = [main, again, plain].map((s) => `<p>Today we look at ${escapeHtml(s.caption.toLowerCase())}. It is one of our favourite pictures.</p>`);
  return `<h1>Story ${a + 1}</h1>${text[0]}<p>${photoTag(main, 0, `In this story: ${main.caption.toLowerCase()}`)}</p>
    ${text[1]}<p>${photoTag(again, 0)}</p>${text[2]}<p>${photoTag(plain, 0, 'image')}</p>${banner(a + 1)}`;
}

function banner(i: number): string {
  const [, alt] = ADS[i % ADS.length]!;
  return `<div class="ad"><a href="/"><img src="/ads/banner-${i % ADS.length}.jpg" alt="${escapeHtml(alt)}" width="728" height="90"></a></div>`;
}

function layout(title: string, body: string, n: number, head: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} · Shapes and Signs</title>${head}</head>
<body><header><a href="/"><img src="/static/logo.png" alt="${escapeHtml(LOGO_ALTS[n % LOGO_ALTS.length]!)}" width="200" height="50"></a>
<img src="/static/spacer.gif" alt="spacer" width="1" height="1">
<nav><a href="/">Home</a> <img src="/static/icons/rss.png" alt="RSS feed"> <img src="/static/icons/mail.png" alt="Email us">
<img src="/static/icons/search.png" alt="Search"> <img src="/static/icons/share.png" alt="Share this page"></nav></header>
<main>
${body}
</main>
<footer><img src="/static/spacer.gif" alt="" width="1" height="1"> Shapes and Signs, a generated demo site.</footer></body></html>
`;
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
