import { extractPage, PageExtractor, type PageExtract } from '../../../src/html/extract.js';

const PAGE = 'https://site.test/dir/page.html';

function pairsOf(html: string, pageUrl = PAGE): PageExtract['pairs'] {
  return extractPage(html, pageUrl).pairs;
}

function urlOf(img: string, pageUrl = PAGE): string | undefined {
  const pairs = pairsOf(img, pageUrl);
  expect(pairs.length).toBeLessThanOrEqual(1);
  return pairs[0]?.imageUrl;
}

describe('the image URL: srcset', () => {
  test('the largest w candidate wins over src', () => {
    expect(urlOf('<img src="s.jpg" srcset="m.jpg 640w, l.jpg 1280w, xs.jpg 320w" alt="a">')).toBe(
      'https://site.test/dir/l.jpg',
    );
  });

  test('the largest x candidate when there is no w; a missing descriptor is 1x', () => {
    expect(urlOf('<img src="s.jpg" srcset="two.jpg 2x, one.jpg, three.jpg 3x" alt="a">')).toBe(
      'https://site.test/dir/three.jpg',
    );
    expect(urlOf('<img src="s.jpg" srcset="half.jpg 0.5x, one.jpg" alt="a">')).toBe('https://site.test/dir/one.jpg');
  });

  test('w candidates rank above x candidates', () => {
    expect(urlOf('<img srcset="x3.jpg 3x, w100.jpg 100w" alt="a">')).toBe('https://site.test/dir/w100.jpg');
  });

  test('URLs with commas (image CDNs) parse as one URL', () => {
    const srcset =
      'https://cdn.test/c_fill,w_80/pic.jpg 80w, https://cdn.test/c_fit,q_80,w_800/pic.jpg 800w, https://cdn.test/c_fit,w_320/pic.jpg 320w';
    expect(urlOf(`<img src="s.jpg" srcset="${srcset}" alt="a">`)).toBe('https://cdn.test/c_fit,q_80,w_800/pic.jpg');
  });

  test('a candidate with an invalid descriptor is dropped, not guessed', () => {
    expect(urlOf('<img src="s.jpg" srcset="bad.jpg 9000q, ok.jpg 2x" alt="a">')).toBe('https://site.test/dir/ok.jpg');
  });

  test('a data: candidate is passed over for the next largest', () => {
    expect(urlOf('<img srcset="data:image/gif;base64,R0lGOD 900w, real.jpg 400w" alt="a">')).toBe(
      'https://site.test/dir/real.jpg',
    );
  });
});

describe('the image URL: <picture>', () => {
  test('<source srcset> candidates count for the <img> inside', () => {
    const html = `<picture>
      <source media="(min-width: 900px)" srcset="wide-1600.webp 1600w, wide-800.webp 800w">
      <source srcset="narrow.jpg 600w">
      <img src="fallback.jpg" srcset="img-1000.jpg 1000w" alt="a">
    </picture>`;
    expect(urlOf(html)).toBe('https://site.test/dir/wide-1600.webp');
  });

  test('a <source> of a type the crawler cannot decode (JPEG XL) is skipped', () => {
    const html = `<picture><source type="image/jxl" srcset="huge.jxl 4000w">
      <source type="image/webp" srcset="ok.webp 1000w"><img src="f.jpg" alt="a"></picture>`;
    expect(urlOf(html)).toBe('https://site.test/dir/ok.webp');
  });

  test('lazy <source data-srcset> stands in for a missing srcset; sources outside <picture> do not count', () => {
    expect(urlOf('<picture><source data-srcset="deferred.webp 2x"><img src="f.jpg" alt="a"></picture>')).toBe(
      'https://site.test/dir/deferred.webp',
    );
    expect(urlOf('<video><source src="v.mp4" srcset="v.jpg 9x"></video><img src="f.jpg" alt="a">')).toBe(
      'https://site.test/dir/f.jpg',
    );
  });

  test('the candidates of one <picture> do not leak into the next <img>', () => {
    const pairs = pairsOf('<picture><source srcset="p.webp 2000w"><img src="a.jpg" alt="in"></picture><img src="b.jpg" alt="out">');
    expect(pairs.map((p) => p.imageUrl)).toEqual(['https://site.test/dir/p.webp', 'https://site.test/dir/b.jpg']);
  });
});

describe('the image URL: lazy loading and placeholders', () => {
  test.each([
    ['data-src', '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" data-src="real.jpg" alt="a">'],
    ['data-lazy-src', '<img src="/img/blank.gif" data-lazy-src="real.jpg" alt="a">'],
    ['data-original', '<img data-original="real.jpg" alt="a">'],
    ['data-src with an empty src', '<img src="" data-src="real.jpg" alt="a">'],
    ['data-src with src="#"', '<img src="#" data-src="real.jpg" alt="a">'],
    ['data-src with about:blank', '<img src="about:blank" data-src="real.jpg" alt="a">'],
    ['data-src with a spacer', '<img src="https://cdn.test/spacer.gif" data-src="real.jpg" alt="a">'],
    ['data-src with placeholder-1x1.png', '<img src="/assets/placeholder-1x1.png" data-src="real.jpg" alt="a">'],
    ['data-src with pixel.gif', '<img src="pixel.gif" data-src="real.jpg" alt="a">'],
    ['another data-*src* attribute', '<img data-n-src="real.jpg" alt="a">'],
    ['a data-*source* attribute', '<img data-source-standard="real.jpg " alt="a">'],
  ])('%s', (_name, html) => {
    expect(urlOf(html)).toBe('https://site.test/dir/real.jpg');
  });

  test('data-srcset is used as a srcset when srcset is missing or only placeholders', () => {
    expect(urlOf('<img src="data:image/gif;base64,R0l=" data-srcset="a.jpg 100w, b.jpg 900w" alt="a">')).toBe(
      'https://site.test/dir/b.jpg',
    );
    expect(urlOf('<img srcset="/blank.gif 1x" data-srcset="c.jpg 2x" alt="a">')).toBe('https://site.test/dir/c.jpg');
    // A real srcset stays the srcset; data-srcset is only the stand-in.
    expect(urlOf('<img srcset="real.jpg 100w" data-srcset="other.jpg 900w" alt="a">')).toBe('https://site.test/dir/real.jpg');
  });

  test('a real src is kept even when data-src is present', () => {
    expect(urlOf('<img src="thumb.jpg" data-src="big.jpg" alt="a">')).toBe('https://site.test/dir/thumb.jpg');
  });

  test('a data: src with no lazy alternative yields no pair, and the reason is counted', () => {
    const result = extractPage('<img src="data:image/png;base64,iVBORw0K" alt="logo"><img alt="no src">', PAGE);
    expect(result.pairs).toEqual([]);
    expect(result.counts.imgWithAlt).toBe(2);
    expect(result.imgsNotPaired).toEqual({ data_uri_only: 1, no_usable_url: 1 });
  });

  test('a src named like a placeholder is the image when nothing lazy stands beside it (the name is weak evidence)', () => {
    expect(urlOf('<img src="/i/clear.gif" alt="skip link">')).toBe('https://site.test/i/clear.gif');
    expect(urlOf('<img src="pixel.jpg" alt="a pixel art castle">')).toBe('https://site.test/dir/pixel.jpg');
  });

  test('a data-* attribute that does not hold an image URL is not used', () => {
    expect(urlOf('<img data-source="twitter" alt="a">')).toBeUndefined();
  });
});

describe('lazy attributes are never dropped for their file name', () => {
  test.each([
    ['data-src lazy.jpg behind a data: src (the issue)', '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" data-src="/img/lazy.jpg" alt="an old stone bridge over a quiet river">', 'https://site.test/img/lazy.jpg'],
    ['data-src pixel.jpg', '<img src="data:," data-src="pixel.jpg" alt="a">', 'https://site.test/dir/pixel.jpg'],
    ['data-lazy-src clear.png behind a spacer', '<img src="spacer.gif" data-lazy-src="clear.png" alt="a">', 'https://site.test/dir/clear.png'],
    ['data-original loading.gif', '<img data-original="loading.gif" alt="a">', 'https://site.test/dir/loading.gif'],
    ['data-srcset blank.png', '<img src="data:," data-srcset="blank.png 2x" alt="a">', 'https://site.test/dir/blank.png'],
    ['srcset pixel.jpg', '<img srcset="pixel.jpg 1x" alt="a">', 'https://site.test/dir/pixel.jpg'],
    ['another data-*src* named lazy.jpg', '<img data-n-src="lazy.jpg" alt="a">', 'https://site.test/dir/lazy.jpg'],
  ])('%s', (_name, html, url) => {
    expect(urlOf(html)).toBe(url);
  });

  test('a src named like a placeholder is only the last resort when a lazy attribute exists', () => {
    expect(urlOf('<img src="/pixel.gif" data-src="real.jpg" alt="a">')).toBe('https://site.test/dir/real.jpg');
    // The lazy value cannot be fetched: the stand-in is still better than nothing.
    expect(urlOf('<img src="/pixel.gif" data-src="ftp://files.test/real.jpg" alt="a">')).toBe('https://site.test/pixel.gif');
  });
});

describe('an <img> with an alt that yields no pair is counted by reason', () => {
  test.each([
    ['<img src="data:image/gif;base64,R0lG" data-src="data:image/png;base64,iVBO" alt="a">', 'data_uri_only'],
    ['<img srcset="data:image/gif;base64,R0lG 1x" alt="a">', 'data_uri_only'],
    ['<img alt="a">', 'no_usable_url'],
    ['<img src="" alt="a">', 'no_usable_url'],
    ['<img src="#" alt="a">', 'no_usable_url'],
    ['<img src="ftp://files.test/a.jpg" alt="a">', 'unsupported_scheme'],
    ['<img src="blob:https://site.test/1" alt="a">', 'unsupported_scheme'],
    ['<img src="javascript:void(0)" alt="a">', 'unsupported_scheme'],
    ['<img src="http://[bad/a.jpg" alt="a">', 'invalid_url'],
    ['<picture><source type="image/jxl" srcset="a.jxl"><img alt="a"></picture>', 'unsupported_type'],
  ])('%s → %s', (html, reason) => {
    const result = extractPage(html, PAGE);
    expect(result.pairs).toEqual([]);
    expect(result.imgsNotPaired).toEqual({ [reason]: 1 });
  });

  test('an img without an alt, or with a pair, is not counted', () => {
    expect(extractPage('<img src="data:,"><img src="a.jpg" alt="a"><img src="" alt=" ">', PAGE).imgsNotPaired).toEqual({});
  });
});

describe('resolution', () => {
  test('relative URLs resolve against the page URL', () => {
    expect(urlOf('<img src="../up.jpg" alt="a">')).toBe('https://site.test/up.jpg');
  });

  test('an absolute <base href> wins over the page URL', () => {
    const result = extractPage('<head><base href="https://cdn.test/assets/"></head><img src="x.jpg" alt="a">', PAGE);
    expect(result.baseUrl).toBe('https://cdn.test/assets/');
    expect(result.pairs[0]!.imageUrl).toBe('https://cdn.test/assets/x.jpg');
  });

  test('a relative <base href> resolves against the page URL first', () => {
    const result = extractPage('<base href="../static/"><img src="x.jpg" alt="a"><a href="next.html">n</a>', PAGE);
    expect(result.baseUrl).toBe('https://site.test/static/');
    expect(result.pairs[0]!.imageUrl).toBe('https://site.test/static/x.jpg');
    expect(result.links).toEqual(['https://site.test/static/next.html']);
  });

  test('only the first <base href> counts, and it applies to images before it too', () => {
    const html = '<img src="x.jpg" alt="a"><base target="_top"><base href="/one/"><base href="/two/"><img src="y.jpg" alt="b">';
    expect(pairsOf(html).map((p) => p.imageUrl)).toEqual(['https://site.test/one/x.jpg', 'https://site.test/one/y.jpg']);
  });

  test('a javascript: or data: base is ignored', () => {
    expect(extractPage('<base href="javascript:alert(1)"><img src="x.jpg" alt="a">', PAGE).baseUrl).toBe(PAGE);
  });

  test("protocol-relative URLs take the page's scheme", () => {
    expect(urlOf('<img src="//cdn.test/p.jpg" alt="a">', 'http://site.test/')).toBe('http://cdn.test/p.jpg');
    expect(urlOf('<img src="//cdn.test/p.jpg" alt="a">', 'https://site.test/')).toBe('https://cdn.test/p.jpg');
  });

  test.each([
    ['data:', 'data:image/png;base64,AAAA'],
    ['blob:', 'blob:https://site.test/1234-5678'],
    ['javascript:', 'javascript:void(0)'],
    ['ftp:', 'ftp://files.test/x.jpg'],
    ['an unparsable URL', 'http://[::1'],
  ])('%s images are skipped', (_name, src) => {
    expect(urlOf(`<img src="${src}" alt="a">`)).toBeUndefined();
  });

  test('entities in URLs are decoded; fragments are dropped; spaces get percent-encoded', () => {
    expect(urlOf('<img src="/i?a=1&amp;b=2#frag" alt="a">')).toBe('https://site.test/i?a=1&b=2');
    expect(urlOf('<img src="  my pic.jpg  " alt="a">')).toBe('https://site.test/dir/my%20pic.jpg');
  });
});

describe('alt text', () => {
  test('entities are decoded and the alt is kept as found (no trimming or collapsing)', () => {
    expect(pairsOf('<img src="x.jpg" alt=" Tom &amp; Jerry&nbsp;&#8212; &quot;caf&eacute;&quot;\n ">')[0]!.altRaw).toBe(
      ' Tom & Jerry\u00a0— "café"\n ',
    );
  });

  test('empty, white-space-only and value-less alts yield nothing', () => {
    const result = extractPage('<img src="a.jpg" alt=""><img src="b.jpg" alt=" \n\t "><img src="c.jpg" alt><img src="d.jpg">', PAGE);
    expect(result.pairs).toEqual([]);
    expect(result.counts).toMatchObject({ img: 4, imgWithAlt: 0 });
  });

  test('a repeated attribute: the first occurrence wins; names and tags are case-insensitive', () => {
    expect(pairsOf('<IMG SRC="first.jpg" src="second.jpg" ALT="one" alt="two">')).toEqual([
      { imageUrl: 'https://site.test/dir/first.jpg', altRaw: 'one' },
    ]);
  });

  test('every <img> is a pair, duplicates included (the store deduplicates)', () => {
    expect(pairsOf('<img src="a.jpg" alt="x"><img src="a.jpg" alt="x">')).toHaveLength(2);
  });
});

describe('where images do not count', () => {
  test('inside <script>, <style>, comments, <textarea> and inert <template>', () => {
    const html = `<script>document.write('<img src="s.jpg" alt="script">')</script>
      <style>/* <img src="c.jpg" alt="style"> */</style>
      <!-- <img src="h.jpg" alt="comment"> -->
      <textarea><img src="t.jpg" alt="textarea"></textarea>
      <template><div><img src="tpl.jpg" alt="template"><template><img alt="nested"></template></div></template>
      <img src="real.jpg" alt="real">`;
    const result = extractPage(html, PAGE);
    expect(result.pairs.map((p) => p.altRaw)).toEqual(['real']);
    expect(result.counts.img).toBe(1);
  });

  test('a declarative shadow root renders, so its images count', () => {
    expect(pairsOf('<div><template shadowrootmode="open"><img src="s.jpg" alt="shadow"></template></div>')).toHaveLength(1);
  });

  test('<noscript> images count: a crawler without scripts sees them', () => {
    const result = extractPage(
      '<img alt="lazy" class="js"><noscript><img src="real.jpg" alt="lazy"></noscript>',
      PAGE,
    );
    expect(result.pairs).toEqual([{ imageUrl: 'https://site.test/dir/real.jpg', altRaw: 'lazy' }]);
    expect(result.counts).toMatchObject({ img: 2, imgWithAlt: 2, imgInNoscript: 1 });
  });
});

describe('links', () => {
  test('<a href> and <area href>, absolute, fragments stripped, deduplicated, in document order', () => {
    const html = `<a href="/b#top">b</a><a href="c.html">c</a><map><area href="/b" alt="b again"></map>
      <a href="https://other.test/x#y">x</a><a href="#local">self</a><a name="anchor">no href</a>`;
    expect(extractPage(html, PAGE).links).toEqual([
      'https://site.test/b',
      'https://site.test/dir/c.html',
      'https://other.test/x',
    ]);
  });

  test('rel=nofollow (any case, among other tokens) is not followed; <link rel> never is', () => {
    const html = `<link rel="next" href="/page2"><a rel="nofollow" href="/a">a</a><a rel="noopener NOFOLLOW" href="/b">b</a>
      <a rel="nofollowing" href="/c">c</a><a href="/d" rel="nofollow">d</a>`;
    expect(extractPage(html, PAGE).links).toEqual(['https://site.test/c']);
  });

  test('mailto:, javascript: and tel: links are dropped', () => {
    expect(extractPage('<a href="mailto:x@y.test">m</a><a href="javascript:go()">j</a><a href="tel:123">t</a>', PAGE).links).toEqual([]);
  });

  test('a link as the last thing in the document is kept', () => {
    expect(extractPage('<a href="/last">', PAGE).links).toEqual(['https://site.test/last']);
  });
});

describe('robots meta', () => {
  test('noai and noimageai are recorded', () => {
    expect(extractPage('<meta name="robots" content="noai, noimageai">', PAGE).robots).toEqual({
      noindex: false,
      nofollow: false,
      noai: true,
      noimageai: true,
    });
  });

  test('"none" is noindex + nofollow, and a nofollow page returns no links', () => {
    const result = extractPage('<meta name="ROBOTS" content="NONE"><a href="/x">x</a><img src="i.jpg" alt="still a pair">', PAGE);
    expect(result.robots).toMatchObject({ noindex: true, nofollow: true, noai: false });
    expect(result.links).toEqual([]);
    expect(result.pairs).toHaveLength(1);
  });

  test('<meta name="align-data"> is ours; other agents\' tags (googlebot) are not', () => {
    expect(extractPage('<meta name="align-data" content="noimageai">', PAGE).robots.noimageai).toBe(true);
    expect(extractPage('<meta name="googlebot" content="noai, nofollow"><a href="/x">x</a>', PAGE)).toMatchObject({
      robots: { noai: false, nofollow: false },
      links: ['https://site.test/x'],
    });
  });

  test('several robots metas add up; a meta inside a <template> does not count', () => {
    const html = '<meta name="robots" content="noindex"><meta name="robots" content="noai"><template><meta name="robots" content="nofollow"></template>';
    expect(extractPage(html, PAGE).robots).toEqual({ noindex: true, nofollow: false, noai: true, noimageai: false });
  });
});

describe('streaming', () => {
  const html = `<html><head><base href="/b/"><meta name="robots" content="noimageai"></head><body>
    <picture><source srcset="p1.webp 100w, p2.webp 200w"><img src="a.jpg" alt="A &amp; B"></picture>
    <!-- <img src="c.jpg" alt="comment"> --><script>x = '<img alt="s">'</script>
    <a href="/l1#f" rel="noopener">l</a><img src="data:," data-src="//cdn.test/z.jpg" alt="lazy"><a href="/l2"></a></body></html>`;

  test('any split into two chunks gives the same result as one string', () => {
    const whole = extractPage(html, PAGE);
    expect(whole.pairs).toHaveLength(2);
    expect(whole.links).toHaveLength(2);
    for (let cut = 1; cut < html.length; cut++) {
      const extractor = new PageExtractor(PAGE);
      extractor.write(html.slice(0, cut));
      extractor.write(html.slice(cut));
      expect(extractor.end()).toEqual(whole);
    }
  });

  test('one character at a time gives the same result', () => {
    const extractor = new PageExtractor(PAGE);
    for (const c of html) extractor.write(c);
    expect(extractor.end()).toEqual(extractPage(html, PAGE));
  });
});
