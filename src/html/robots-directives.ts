/**
 * Robots directives from a `<meta name="robots">` content or an X-Robots-Tag header value:
 * `noindex`, `nofollow`, `none` (= both), and the opt-out signals `noai` / `noimageai`.
 *
 * An X-Robots-Tag value may name a user agent ("googlebot: noindex, nofollow"); the directives
 * after such a prefix belong to that agent until the next prefix. Only unprefixed directives and
 * those prefixed `align-data:` apply to us. Valued directives (`max-snippet: 20`,
 * `unavailable_after: …`) are not agent prefixes. Pure: no I/O.
 */

export interface RobotsDirectives {
  noindex: boolean;
  nofollow: boolean;
  noai: boolean;
  noimageai: boolean;
}

/** The user-agent token this crawler answers to in X-Robots-Tag and `<meta name>`. */
export const ROBOTS_AGENT = 'align-data';

/** Directives that take a value after a colon, so "name: value" is not an agent prefix. */
const VALUED_DIRECTIVES = new Set(['max-snippet', 'max-image-preview', 'max-video-preview', 'unavailable_after']);

/** A user-agent name; a date's "15:00" inside `unavailable_after` is no agent. */
const AGENT_TOKEN = /^[a-z][a-z0-9_.-]*$/;

export function emptyRobotsDirectives(): RobotsDirectives {
  return { noindex: false, nofollow: false, noai: false, noimageai: false };
}

/**
 * Parses one header or meta value, or several (one per header line: the agent prefix of one
 * line does not carry into the next). Merges into `into` when given (directives only add up).
 */
export function parseRobotsDirectives(
  value: string | readonly string[] | undefined | null,
  into: RobotsDirectives = emptyRobotsDirectives(),
): RobotsDirectives {
  if (value === undefined || value === null) return into;
  if (typeof value !== 'string') {
    for (const line of value) parseRobotsDirectives(line, into);
    return into;
  }
  let ours = true; // no agent named yet: the directives apply to every crawler
  for (const rawToken of value.split(',')) {
    let token = rawToken.trim().toLowerCase();
    const colon = token.indexOf(':');
    if (colon > 0) {
      const head = token.slice(0, colon).trim();
      if (AGENT_TOKEN.test(head) && !VALUED_DIRECTIVES.has(head)) {
        ours = head === ROBOTS_AGENT;
        token = token.slice(colon + 1).trim();
      }
    }
    if (ours) applyDirectiveWords(token, into);
  }
  return into;
}

/** Some sites separate directives with spaces instead of commas: "noindex nofollow". */
function applyDirectiveWords(token: string, into: RobotsDirectives): void {
  for (const word of token.split(/\s+/)) {
    switch (word) {
      case 'noindex':
        into.noindex = true;
        break;
      case 'nofollow':
        into.nofollow = true;
        break;
      case 'none':
        into.noindex = true;
        into.nofollow = true;
        break;
      case 'noai':
        into.noai = true;
        break;
      case 'noimageai':
        into.noimageai = true;
        break;
      default:
        break; // all, index, follow, noarchive, nosnippet, …: nothing for us
    }
  }
}

/** 'noai', 'noimageai', 'noai,noimageai' or null: the form the store keeps in `opt_out`. */
export function formatOptOut(directives: RobotsDirectives): string | null {
  const parts: string[] = [];
  if (directives.noai) parts.push('noai');
  if (directives.noimageai) parts.push('noimageai');
  return parts.length === 0 ? null : parts.join(',');
}
