import { formatOptOut, parseRobotsDirectives } from '../../../src/html/robots-directives.js';

describe('parseRobotsDirectives (X-Robots-Tag and robots meta values)', () => {
  test('plain directives, any case and spacing; none = noindex + nofollow', () => {
    expect(parseRobotsDirectives('NoAI ,  noimageai')).toEqual({ noindex: false, nofollow: false, noai: true, noimageai: true });
    expect(parseRobotsDirectives('none')).toEqual({ noindex: true, nofollow: true, noai: false, noimageai: false });
    expect(parseRobotsDirectives('noindex nofollow')).toMatchObject({ noindex: true, nofollow: true });
    expect(parseRobotsDirectives('all, index, follow, noarchive')).toEqual({ noindex: false, nofollow: false, noai: false, noimageai: false });
  });

  test("another agent's directives do not apply; align-data's do", () => {
    expect(parseRobotsDirectives('otherbot: noai')).toMatchObject({ noai: false });
    expect(parseRobotsDirectives('googlebot: noindex, nofollow')).toMatchObject({ noindex: false, nofollow: false });
    expect(parseRobotsDirectives('Align-Data: noimageai')).toMatchObject({ noimageai: true });
    // The prefix lasts until the next one.
    expect(parseRobotsDirectives('otherbot: noai, noindex, align-data: nofollow, noimageai')).toEqual({
      noindex: false,
      nofollow: true,
      noai: false,
      noimageai: true,
    });
  });

  test('one value per header line: a prefix does not carry into the next line', () => {
    expect(parseRobotsDirectives(['otherbot: noindex', 'noai'])).toMatchObject({ noindex: false, noai: true });
  });

  test('valued directives and dates with colons are not agent prefixes', () => {
    expect(parseRobotsDirectives('max-snippet: 20, noai')).toMatchObject({ noai: true });
    expect(parseRobotsDirectives('unavailable_after: Friday, 25-Jun-2010 15:00:00 PST, noimageai')).toMatchObject({ noimageai: true });
  });

  test('missing values and merging into earlier directives', () => {
    const merged = parseRobotsDirectives('noai', parseRobotsDirectives(undefined));
    parseRobotsDirectives(null, merged);
    parseRobotsDirectives('noimageai', merged);
    expect(formatOptOut(merged)).toBe('noai,noimageai');
    expect(formatOptOut(parseRobotsDirectives(''))).toBeNull();
  });
});
