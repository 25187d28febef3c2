import { isDecodableImageType, isPlaceholderSrc, parseSrcset, pickLargest, sortLargestFirst } from '../../../src/html/srcset.js';

describe('parseSrcset (the HTML standard algorithm)', () => {
  test('w and x descriptors, white space anywhere, no descriptor = 1x', () => {
    expect(parseSrcset(' a.jpg 100w ,\n b.jpg   2x,c.jpg ,  d.jpg 1.5x ')).toEqual([
      { url: 'a.jpg', width: 100 },
      { url: 'b.jpg', density: 2 },
      { url: 'c.jpg', density: 1 },
      { url: 'd.jpg', density: 1.5 },
    ]);
  });

  test('commas inside URLs stay; a trailing comma ends the URL', () => {
    expect(parseSrcset('https://cdn.test/c_fill,w_80/p.jpg 80w,https://cdn.test/c_fit,w_800/p.jpg 800w')).toEqual([
      { url: 'https://cdn.test/c_fill,w_80/p.jpg', width: 80 },
      { url: 'https://cdn.test/c_fit,w_800/p.jpg', width: 800 },
    ]);
    expect(parseSrcset('a.jpg,b.jpg 2x')).toEqual([{ url: 'a.jpg,b.jpg', density: 2 }]);
    expect(parseSrcset('a.jpg, b.jpg,, c.jpg,')).toEqual([
      { url: 'a.jpg', density: 1 },
      { url: 'b.jpg', density: 1 },
      { url: 'c.jpg', density: 1 },
    ]);
  });

  test('a data: URI candidate keeps its commas', () => {
    expect(parseSrcset('data:image/gif;base64,R0lGODlh 1x, real.jpg 2x').map((c) => c.url)).toEqual([
      'data:image/gif;base64,R0lGODlh',
      'real.jpg',
    ]);
  });

  test('invalid candidates are dropped: unknown, repeated or mixed descriptors, 0w, h without w', () => {
    expect(parseSrcset('a.jpg 10q, b.jpg 1x 2x, c.jpg 100w 2x, d.jpg 0w, e.jpg 50h, f.jpg -1x, g.jpg 100w 50h')).toEqual([
      { url: 'g.jpg', width: 100 },
    ]);
  });

  test('parentheses in descriptors do not end the candidate (future descriptors)', () => {
    expect(parseSrcset('a.jpg (foo, bar) 2x, b.jpg 3x').map((c) => c.url)).toEqual(['b.jpg']);
  });

  test('empty and blank values give no candidates', () => {
    expect(parseSrcset('')).toEqual([]);
    expect(parseSrcset(' , ,')).toEqual([]);
  });
});

describe('choosing the largest', () => {
  test('by w when any candidate has w, else by x; ties keep document order', () => {
    const list = parseSrcset('x3.jpg 3x, w10.jpg 10w, w200.jpg 200w, w200b.jpg 200w, one.jpg');
    expect(pickLargest(list)?.url).toBe('w200.jpg');
    expect(sortLargestFirst(list).map((c) => c.url)).toEqual(['w200.jpg', 'w200b.jpg', 'w10.jpg', 'x3.jpg', 'one.jpg']);
    expect(pickLargest(parseSrcset('a.jpg 1x, b.jpg 2.5x, c.jpg 2x'))?.url).toBe('b.jpg');
    expect(pickLargest([])).toBeNull();
  });
});

describe('placeholders and types', () => {
  test.each(['', ' ', '#', 'about:blank', 'data:image/gif;base64,R0lG', 'DATA:image/png,x', 'blob:https://a/1', 'javascript:0',
    '/img/blank.gif', 'https://cdn.test/spacer.gif', 'placeholder.png', 'placeholder-1x1.svg', 'pixel.gif?v=2', 'transparent.png',
    '/s/clear.gif', '1x1.gif', 'lazy.gif', 'loading.gif', 'empty_image.png'])('%j is a placeholder', (src) => {
    expect(isPlaceholderSrc(src)).toBe(true);
  });

  test.each(['photo.jpg', 'pixel-art-castle.png', 'blank-canvas-painting.jpg', '/spacers/rocket.jpg', 'https://cdn.test/clearwater.gif',
    '//cdn.test/placeholder/real-photo.jpg'])('%j is not a placeholder', (src) => {
    expect(isPlaceholderSrc(src)).toBe(false);
  });

  test('source types: sharp-decodable formats pass, JPEG XL / JPEG 2000 / HEIC do not', () => {
    for (const t of ['image/webp', 'IMAGE/AVIF', 'image/jpeg; q=1', 'image/png', 'image/svg+xml', '']) expect(isDecodableImageType(t)).toBe(true);
    for (const t of ['image/jxl', 'image/jp2', 'image/heic', 'video/mp4']) expect(isDecodableImageType(t)).toBe(false);
  });
});
