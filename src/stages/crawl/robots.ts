import robotsParserModule from 'robots-parser';
import { ROBOTS_AGENT } from '../../html/robots-directives.js';

interface RobotsParser {
  isAllowed(url: string, ua?: string): boolean | undefined;
  getCrawlDelay(ua?: string): number | undefined;
  getSitemaps(): string[];
}

// robots-parser is CommonJS (`module.exports = function`); its typings declare an ES default
// export, which NodeNext resolution reads as the module object.
const robotsParser = robotsParserModule as unknown as (url: string, contents: string) => RobotsParser;

/**
 * robots.txt rules of one host (RFC 9309, parsed by robots-parser). The text is kept and a
 * parser is built per origin on demand, so http:// and https:// URLs of one host both match.
 * A 4xx robots.txt allows everything; a 5xx, 429 or network failure disallows everything
 * (`robots_unavailable`) for this run, as the RFC asks. The product token matched against
 * `User-agent:` lines is ROBOTS_AGENT, the one X-Robots-Tag and `<meta name>` answer to.
 */

/** robots.txt bodies are read up to this size (RFC 9309 asks for at least 500 KiB). */
export const ROBOTS_MAX_BYTES = 512 * 1024;

export interface RobotsRules {
  /** Null when allowed, else the reason code the URL is refused with. */
  refusal(url: string): 'robots_disallowed' | 'robots_unavailable' | null;
  /** Crawl-delay for our agent (or `*`), ms, capped. */
  crawlDelayMs: number | null;
  sitemaps: string[];
}

/** What the robots.txt fetch gave: its status (0: no response) and body. */
export interface RobotsSource {
  status: number;
  text: string | null;
}

export function makeRobotsRules(host: string, source: RobotsSource, maxCrawlDelaySeconds: number): RobotsRules {
  if (source.status >= 200 && source.status <= 299 && source.text !== null) {
    return parseRules(host, source.text, maxCrawlDelaySeconds);
  }
  if (source.status >= 400 && source.status <= 499 && source.status !== 429) return ALLOW_ALL;
  return UNAVAILABLE;
}

/** A stored robots.txt is reused while fresh, unless it recorded a failure (those are retried by the next run). */
export function isReusable(source: RobotsSource & { fetchedAt: number | null }, maxAgeMs: number, now: number): boolean {
  if (source.fetchedAt === null || now - source.fetchedAt > maxAgeMs) return false;
  return makeRobotsRules('x', source, 0) !== UNAVAILABLE;
}

const ALLOW_ALL: RobotsRules = { refusal: () => null, crawlDelayMs: null, sitemaps: [] };
const UNAVAILABLE: RobotsRules = { refusal: () => 'robots_unavailable', crawlDelayMs: null, sitemaps: [] };

function parseRules(host: string, text: string, maxCrawlDelaySeconds: number): RobotsRules {
  const parsers = new Map<string, RobotsParser>();
  const parserFor = (origin: string): RobotsParser => {
    let parser = parsers.get(origin);
    if (!parser) {
      parser = robotsParser(`${origin}/robots.txt`, text);
      parsers.set(origin, parser);
    }
    return parser;
  };
  const sample = parserFor(`http://${host}`);
  const delay = sample.getCrawlDelay(ROBOTS_AGENT);
  return {
    refusal(url) {
      const allowed = parserFor(new URL(url).origin).isAllowed(url, ROBOTS_AGENT);
      return allowed === false ? 'robots_disallowed' : null;
    },
    crawlDelayMs: typeof delay === 'number' && delay > 0 ? Math.round(Math.min(delay, maxCrawlDelaySeconds) * 1000) : null,
    sitemaps: sample.getSitemaps(),
  };
}
