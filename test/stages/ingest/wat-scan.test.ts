/**
 * The WAT scanner (wat-scan.ts) against the full JSON.parse it stands in for: for every payload,
 * generated or from the fixtures, valid or broken, both give the same unit (or throw the same
 * error); and the scanner does answer (rather than hand back to JSON.parse) for the valid ones,
 * escapes, unicode and brackets inside strings included.
 */
import { gzipMembers } from '../../../src/stages/ingest/gzip-members.js';
import { singleRecord } from '../../../src/stages/ingest/warc-head.js';
import { scanEnvelope } from '../../../src/stages/ingest/wat-scan.js';
import { watPayloadToUnit } from '../../../src/stages/ingest/wat.js';
import { Rng } from '../../../src/util/rng.js';
import { buildWat, type WatPageSpec } from './warc-fixtures.js';

/** An object as written, so a key may appear twice (JSON.parse keeps the last). */
class Obj {
  constructor(readonly pairs: [string, unknown][]) {}
}
const obj = (entries: [string, unknown][]): Obj => new Obj(entries.filter(([, v]) => v !== ABSENT));
const ABSENT = Symbol('absent');

/** JSON text of a value, with random (valid) escapes and spaces: the shapes a WAT writer may produce. */
function write(v: unknown, rng: Rng): string {
  const sp = (): string => (rng.next() < 0.1 ? ' '.repeat(1 + rng.int(2)) : '');
  if (v instanceof Obj) return `{${sp()}${v.pairs.map(([k, x]) => `${quote(k, rng, 0.002)}${sp()}:${sp()}${write(x, rng)}`).join(`${sp()},${sp()}`)}${sp()}}`;
  if (Array.isArray(v)) return `[${sp()}${v.map((x) => write(x, rng)).join(`${sp()},${sp()}`)}${sp()}]`;
  if (typeof v === 'string') return quote(v, rng);
  return JSON.stringify(v);
}

/** `escapeRate`: how often a character is written as \uXXXX (keys: rarely, as a WAT writer never does). */
function quote(s: string, rng: Rng, escapeRate = 0.03): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.charCodeAt(0);
    const roll = rng.next();
    if (roll < escapeRate) for (const unit of ch.split('')) out += `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`;
    else if (ch === '/' && roll < 0.3) out += '\\/';
    else if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (code < 0x20) out += JSON.stringify(ch).slice(1, -1);
    else out += ch;
  }
  return `${out}"`;
}

const TEXTS = ['a photo', 'ünïcödé 日本語 😀', 'braces {"path":"IMG@/src"} [1,2]', 'quote " and \\ backslash', 'IMG@/src', 'tab\there', 'a/b\\/c', '', '}]"'];
const URLS = ['/img/a.jpg', 'b.png', 'https://cdn.example/x.webp#f', 'IMG@/src', 'data:image/png;base64,AA', '/odd{}[]".jpg', '//other.example/y.gif', 'ftp://f.example/z.jpg'];

function link(rng: Rng): unknown {
  const roll = rng.next();
  if (roll < 0.01) return rng.pick([null, 3, 'IMG@/src', [{ path: 'IMG@/src' }], true]);
  const path = rng.pick(['IMG@/src', 'IMG@/src', 'A@/href', 'IMG@/data-src', 'IMG@/srcset']);
  const entries: [string, unknown][] = [
    ['path', path],
    ['url', rng.next() < 0.95 ? rng.pick(URLS) : rng.pick([ABSENT, 7, null])],
    ['alt', rng.next() < 0.8 ? rng.pick(TEXTS) : rng.pick([ABSENT, 0, null, ''])],
  ];
  if (rng.next() < 0.3) entries.push(['text', rng.pick(TEXTS)]);
  if (rng.next() < 0.01) entries.push(['extra', obj([['nested', [1, { path: 'IMG@/src' }]]])]); // not flat
  if (rng.next() < 0.05) entries.push(['path', rng.pick(['A@/href', 'IMG@/src'])]); // a repeated key
  rng.shuffle(entries);
  return obj(entries);
}

function metas(rng: Rng): unknown {
  return rng.pick([
    ABSENT,
    [],
    [{ name: 'robots', content: rng.pick(['noai', 'noimageai, nofollow', 'index']) }, { name: 'viewport', content: 'x' }],
    [{ name: 'ROBOTS', content: 'noimageai' }, null],
    [{ name: 5, content: 'noai' }, 'robots', { content: 'noai' }],
    { name: 'robots', content: 'noai' },
    'robots',
  ]);
}

/** A WAT envelope of a random shape, mostly the usual one. */
function envelope(rng: Rng): Obj {
  const odd = (usual: unknown, others: unknown[]): unknown => (rng.next() < 0.93 ? usual : rng.pick(others));
  const links = odd(Array.from({ length: rng.int(12) }, () => link(rng)), [ABSENT, null, 'IMG@/src', 5, { path: 'IMG@/src', url: '/x.jpg', alt: 'x' }, []]);
  const head = odd(obj([['Title', rng.pick(TEXTS)], ['Base', rng.next() < 0.3 ? rng.pick(['/static/', 'https://base.example/d/', '', 9]) : ABSENT], ['Metas', metas(rng)]]), [ABSENT, null, 'head', []]);
  const html = odd(obj([['Head', head], ['Links', links]]), [ABSENT, null, 'html', [1]]);
  const headers = odd(obj([['Content-Type', 'text/html'], ['X-Robots-Tag', rng.next() < 0.2 ? rng.pick(['noai', ['noimageai', 'none']]) : ABSENT]]), [ABSENT, 'noai', null]);
  const response = odd(obj([['Response-Message', obj([['Status', '200']])], ['Headers', headers], ['HTML-Metadata', html]]), [ABSENT, null]);
  const target = odd(rng.pick(['http://a.example/dir/page', 'https://b.example/', 'https://c.example/x?q=1#f']), [ABSENT, 'relative/page', 42, null, 'ftp://f.example/']);
  const env: [string, unknown][] = [
    ['Format', 'WARC'],
    ['WARC-Header-Metadata', obj([['WARC-Type', 'response'], ['WARC-Target-URI', target]])],
    ['Payload-Metadata', odd(obj([['Actual-Content-Type', 'application/http'], ['HTTP-Response-Metadata', response]]), [ABSENT, 'x'])],
  ];
  if (rng.next() < 0.03) env.push(['Payload-Metadata', obj([])]); // a repeated key on a read path
  const root: [string, unknown][] = [['Container', obj([['Filename', 'x.warc.gz'], ['Offset', rng.int(1e6)]])], ['Envelope', odd(obj(env), [ABSENT, null, 3, 'envelope'])]];
  return obj(root);
}

/** The same text broken in one of the ways a damaged file breaks it. */
function breakText(text: string, rng: Rng): string {
  const at = rng.int(text.length);
  switch (rng.int(7)) {
    case 0:
      return text.slice(0, at); // truncated
    case 1:
      return text.slice(0, at) + rng.pick(['}', ']', ',', '"', 'x', ':', '\\', '{']) + text.slice(at + 1);
    case 2:
      return `${text} x`;
    case 3:
      return `\ufeff${text}`;
    case 4:
      return text.replace('"IMG@/src"', '"IMG@/src\u0001"'); // a raw control character in a string
    case 5:
      return text.replace('"IMG@/src"', '"IMG@/src\\x"'); // a bad escape
    default:
      return text.slice(0, at) + text.slice(at + 1);
  }
}

type Outcome = { pairs: unknown; rejects: unknown } | { error: string };

function outcome(text: string, fullParse: boolean): Outcome {
  try {
    const unit = watPayloadToUnit(Buffer.from(text), 7, fullParse);
    return { pairs: unit.pairs, rejects: unit.rejects };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

describe('WAT scanner', () => {
  test('generated envelopes: the scanner gives what the full parse gives, and answers for most', () => {
    const rng = new Rng(20261129);
    let answered = 0;
    let pairs = 0;
    const N = 3000;
    for (let n = 0; n < N; n++) {
      const text = write(envelope(rng), rng);
      const full = outcome(text, true);
      expect(outcome(text, false)).toEqual(full);
      if (scanEnvelope(text) !== undefined) answered++;
      if ('pairs' in full) pairs += (full.pairs as unknown[]).length;
    }
    // Not a test that passes by always handing back: most valid envelopes are read by the scanner.
    expect(answered).toBeGreaterThan(N * 0.4);
    expect(pairs).toBeGreaterThan(N / 4);
  });

  test('broken texts: the scanner hands them back, so JSON.parse rejects them with its own message', () => {
    const rng = new Rng(7);
    let rejected = 0;
    for (let n = 0; n < 3000; n++) {
      const text = breakText(write(envelope(rng), rng), rng);
      const full = outcome(text, true);
      expect(outcome(text, false)).toEqual(full);
      if ('rejects' in full && (full.rejects as { reason: string }[]).some((r) => r.reason === 'bad_json')) rejected++;
    }
    expect(rejected).toBeGreaterThan(1000);
  });

  test.each([
    ['escapes, unicode and brackets inside strings', { path: 'IMG@\\/src', url: '/a\\"b{}.jpg', alt: 'caf\\u00e9 😀 [x] {\\"y\\":1}' }],
    ['an escaped key spelling path', { 'p\\u0061th': 'IMG@/src', url: '/k.jpg', alt: 'escaped key' }],
    ['IMG@/src inside an alt and a url only', { path: 'A@/href', url: '/IMG@/src', alt: '\\"IMG@/src\\"' }],
  ])('%s: read by the scanner, same pairs', (_name, entry) => {
    const raw = Object.entries(entry).map(([k, v]) => `"${k}":"${v}"`).join(',');
    const text = `{"Envelope":{"WARC-Header-Metadata":{"WARC-Target-URI":"http://s.example/p"},"Payload-Metadata":{"HTTP-Response-Metadata":{"HTML-Metadata":{"Head":{"Metas":[]},"Links":[{"path":"IMG@/src","url":"/first.jpg","alt":"first"},{${raw}}]}}}}}`;
    expect(scanEnvelope(text)).toBeDefined();
    expect(outcome(text, false)).toEqual(outcome(text, true));
  });

  test('the fixture WATs: every payload gives the same unit both ways, read by the scanner', async () => {
    const pages: WatPageSpec[] = [
      { url: 'http://a.example/dir/p', links: [{ path: 'IMG@/src', url: 'cat.jpg', alt: 'a cat' }, { path: 'A@/href', url: '/x', alt: 'no image' }, { path: 'IMG@/src', url: '/n.jpg' }] },
      { url: 'https://b.example/', base: '/s/', metas: [{ name: 'robots', content: 'noimageai' }], links: [{ path: 'IMG@/src', url: 'd.png', alt: 'ünïcödé "quoted" {alt}' }] },
    ];
    const file = await buildWat(pages);
    async function* one(): AsyncGenerator<Buffer> {
      yield file;
    }
    let scanned = 0;
    for await (const member of gzipMembers(one(), 'fixture')) {
      const payload = singleRecord(member.data)!.payload;
      const text = payload.toString('utf8');
      expect(watPayloadToUnit(payload, 0)).toEqual(watPayloadToUnit(payload, 0, true));
      if (text.includes('IMG@/src') && scanEnvelope(text) !== undefined) scanned++;
    }
    expect(scanned).toBe(pages.length);
  });
});
