/**
 * robots.txt rules (RFC 9309 via robots-parser): which statuses allow or block everything,
 * our agent's group over `*`, Crawl-delay capped, Sitemap lines; Retry-After parsing.
 */
import { retryAfterMs } from '../../../src/stages/crawl/fetcher.js';
import { isReusable, makeRobotsRules } from '../../../src/stages/crawl/robots.js';

const TXT = `User-agent: *
Disallow: /private/
Crawl-delay: 2

User-agent: align-data
Disallow: /no-align/
Allow: /private/ok
Crawl-delay: 90

Sitemap: http://h/sitemap.xml
`;

describe('robots rules', () => {
  test('our own group applies instead of *, for both schemes of the host; Crawl-delay is capped', () => {
    const rules = makeRobotsRules('h', { status: 200, text: TXT }, 60);
    expect(rules.refusal('http://h/no-align/x')).toBe('robots_disallowed');
    expect(rules.refusal('http://h/private/x')).toBeNull(); // only * disallows it
    expect(rules.refusal('https://h/no-align/x')).toBe('robots_disallowed'); // same host, other scheme
    expect(rules.crawlDelayMs).toBe(60_000); // 90 s capped at 60
    expect(rules.sitemaps).toEqual(['http://h/sitemap.xml']);
  });

  test('without a group of ours, * applies', () => {
    const rules = makeRobotsRules('h', { status: 200, text: 'User-agent: *\nDisallow: /\nAllow: /public\n' }, 60);
    expect(rules.refusal('http://h/x')).toBe('robots_disallowed');
    expect(rules.refusal('http://h/public/y')).toBeNull();
    expect(rules.crawlDelayMs).toBeNull();
  });

  test('4xx allows all; 5xx, 429 and no answer block all; only good answers are reused', () => {
    expect(makeRobotsRules('h', { status: 404, text: null }, 60).refusal('http://h/x')).toBeNull();
    expect(makeRobotsRules('h', { status: 403, text: null }, 60).refusal('http://h/x')).toBeNull();
    for (const status of [500, 503, 429, 0]) {
      expect(makeRobotsRules('h', { status, text: null }, 60).refusal('http://h/x')).toBe('robots_unavailable');
    }
    const now = 1_000_000;
    expect(isReusable({ status: 200, text: TXT, fetchedAt: now - 1000 }, 5000, now)).toBe(true);
    expect(isReusable({ status: 200, text: TXT, fetchedAt: now - 6000 }, 5000, now)).toBe(false);
    expect(isReusable({ status: 503, text: null, fetchedAt: now - 1000 }, 5000, now)).toBe(false);
  });

  test('Retry-After: seconds or an HTTP date, capped, a default when missing or unreadable', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(retryAfterMs('3', 60_000, 3_600_000, now)).toBe(3000);
    expect(retryAfterMs('Wed, 01 Jan 2025 00:00:10 GMT', 60_000, 3_600_000, now)).toBe(10_000);
    expect(retryAfterMs('99999', 60_000, 3_600_000, now)).toBe(3_600_000);
    expect(retryAfterMs(undefined, 60_000, 3_600_000, now)).toBe(60_000);
    expect(retryAfterMs('soon', 60_000, 3_600_000, now)).toBe(60_000);
    expect(retryAfterMs('Tue, 31 Dec 2024 00:00:00 GMT', 60_000, 3_600_000, now)).toBe(0);
  });
});
