/**
 * A WAT record's JSON read without building it: one validating pass over the text that hops
 * over strings with indexOf, follows the few keys extraction reads (WARC-Target-URI, Headers,
 * Head, Links) and JSON.parses only their values, and of Links only the entries that may be
 * image links. JSON.parse of the whole record cost more than inflating it; most of its work
 * built the ~40 non-image links and the headers no one reads.
 *
 * The result is the envelope pruned to what wat.ts reads, equal on those paths to
 * `JSON.parse(text).Envelope` (test/stages/ingest/wat-scan.test.ts holds the two side by side).
 * Whenever that equality is not certain the answer is undefined and the caller parses the whole
 * text: a control character anywhere (raw ones are invalid inside strings, and the hops do not
 * look inside strings), any syntax error, a key on a read path spelled with an escape or given
 * twice (JSON.parse keeps the last), a value on a read path that is not an object, a root that is
 * not an object, nesting deeper than MAX_DEPTH. So a record that JSON.parse rejects is always
 * handed back and rejected by JSON.parse, with its own message.
 */

/** What a key of an object on a read path leads to: an object on the path, a value to keep, or Links. */
type Node = { kind: 'object'; keys: [string, Node][] } | { kind: 'leaf'; name: string } | { kind: 'links' };

const leaf = (name: string): Node => ({ kind: 'leaf', name });
const object = (keys: [string, Node][]): Node => ({ kind: 'object', keys });

const ROOT_KEYS: [string, Node][] = [
  [
    'Envelope',
    object([
      ['WARC-Header-Metadata', object([['WARC-Target-URI', leaf('target')]])],
      [
        'Payload-Metadata',
        object([
          [
            'HTTP-Response-Metadata',
            object([
              ['Headers', leaf('headers')],
              ['HTML-Metadata', object([['Head', leaf('head')], ['Links', { kind: 'links' }]])],
            ]),
          ],
        ]),
      ],
    ]),
  ],
];
const ROOT = object(ROOT_KEYS);

const MAX_DEPTH = 64;
const CONTROL = /[\x00-\x1f]/;
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const HEX4 = /^[0-9a-fA-F]{4}$/;

type ObjectNode = Node & { kind: 'object' };
type Span = [number, number];
/** A Links entry that may be an image link: its path, url and alt as read, or its span to parse. */
type Entry = Record<string, string> | Span;

class Unsure extends Error {}
const UNSURE = new Unsure();

/** What the pass found; parsed into the pruned envelope at the end. */
interface Found {
  leaves: Map<string, Span>;
  objects: Set<Node>;
  /** Links: absent; a value that is not an array (its span); or the array's possible image entries. */
  links: Span | Entry[] | undefined;
}

// The scan's state. It is synchronous, so module state is safe, and keeps the hot functions free
// of closures and allocation: the frames of open containers, indexed by depth.
let found: Found = { leaves: new Map(), objects: new Set(), links: undefined };
/** Strings with an escape read so far, whether the last one had one, where the next backslash is. */
let escapes = 0;
let lastEscaped = false;
let nextEscape = 0;
/** Per open container: is it on a read path (its node), its keys already read, the value being read and for what. */
const node: (ObjectNode | undefined)[] = new Array(MAX_DEPTH + 1);
const isArray = new Uint8Array(MAX_DEPTH + 1);
const seen = new Uint32Array(MAX_DEPTH + 1);
const valueStart = new Int32Array(MAX_DEPTH + 1);
const valueFor: (Node | undefined)[] = new Array(MAX_DEPTH + 1);

/**
 * The envelope of a WAT record's JSON, pruned to what extraction reads (`{ envelope: undefined }`
 * when the root has no Envelope), or undefined when only a full parse can tell.
 */
export function scanEnvelope(text: string): { envelope: Record<string, unknown> | undefined } | undefined {
  if (CONTROL.test(text)) return undefined;
  found = { leaves: new Map(), objects: new Set(), links: undefined };
  try {
    scan(text);
  } catch (err) {
    if (err === UNSURE) return undefined;
    throw err;
  }
  const envelope = ROOT_KEYS[0]![1] as ObjectNode;
  return { envelope: found.objects.has(envelope) ? build(text, envelope) : undefined };
}

function ws(s: string, i: number): number {
  let c = s.charCodeAt(i);
  while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = s.charCodeAt(++i);
  return i;
}

/** The end of the string opening at i: one indexOf hop, unless a backslash lies before the quote it finds. */
function string(s: string, i: number): number {
  const close = s.indexOf('"', i + 1);
  if (close < 0) throw UNSURE;
  if (close < nextEscape) {
    lastEscaped = false;
    return close + 1;
  }
  return escapedString(s, i);
}

function escapedString(s: string, i: number): number {
  let escaped = false;
  for (i++; ; ) {
    const c = s.charCodeAt(i);
    if (c === 0x22) break;
    if (c !== c) throw UNSURE; // NaN: the text ended
    if (c !== 0x5c) {
      i++;
      continue;
    }
    escaped = true;
    const e = s.charCodeAt(i + 1);
    if (e === 0x75) {
      if (!HEX4.test(s.slice(i + 2, i + 6))) throw UNSURE;
      i += 6;
    } else if (e === 0x22 || e === 0x5c || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) i += 2;
    else throw UNSURE;
  }
  if (escaped) escapes++;
  lastEscaped = escaped;
  const at = s.indexOf('\\', i + 1);
  nextEscape = at < 0 ? s.length : at;
  return i + 1;
}

function scalar(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c === 0x74 || c === 0x66 || c === 0x6e) {
    const word = c === 0x74 ? 'true' : c === 0x66 ? 'false' : 'null';
    if (!s.startsWith(word, i)) throw UNSURE;
    return i + word.length;
  }
  NUMBER.lastIndex = i;
  if (!NUMBER.test(s)) throw UNSURE;
  return NUMBER.lastIndex;
}

/** Past the separator after a member or element: a comma (then true) or the container's close (false). */
function separator(s: string, i: number, close: number): number {
  let c = s.charCodeAt(i);
  if (c <= 0x20) c = s.charCodeAt((i = ws(s, i)));
  if (c === 0x2c) return s.charCodeAt(i + 1) <= 0x20 ? ws(s, i + 1) : i + 1;
  if (c === close) return -(i + 1);
  throw UNSURE;
}

/**
 * One pass over the text, a frame per open container. Values on read paths are recorded as
 * spans as they complete; the Links array goes to links(); everything else is only checked.
 */
function scan(s: string): void {
  escapes = 0;
  const at = s.indexOf('\\');
  nextEscape = at < 0 ? s.length : at;
  let i = ws(s, 0);
  if (s.charCodeAt(i) !== 0x7b) throw UNSURE;
  let depth = -1;
  for (;;) {
    // A value starts at i.
    const c = s.charCodeAt(i);
    const child = depth < 0 ? ROOT : valueFor[depth];
    if (c === 0x5b && child?.kind === 'links') {
      i = links(s, i);
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > MAX_DEPTH) throw UNSURE;
      node[depth] = child?.kind === 'object' ? child : undefined;
      isArray[depth] = c === 0x5b ? 1 : 0;
      seen[depth] = 0;
      valueFor[depth] = undefined;
      i = ws(s, i + 1);
      if (s.charCodeAt(i) !== (c === 0x7b ? 0x7d : 0x5d)) {
        i = c === 0x7b ? member(s, depth, i) : (valueStart[depth] = i);
        continue;
      }
      i++;
      depth--;
    } else if (c === 0x22) i = string(s, i);
    else i = scalar(s, i);
    // A value ended at i: record it if read, then a comma (next value) or the frame's close (the frame's value ends).
    for (;;) {
      if (depth < 0) {
        if (ws(s, i) !== s.length) throw UNSURE;
        return;
      }
      const read = valueFor[depth];
      if (read !== undefined) complete(s, depth, i, read);
      const array = isArray[depth] === 1;
      const after = separator(s, i, array ? 0x5d : 0x7d);
      if (after >= 0) {
        i = array ? (valueStart[depth] = after) : member(s, depth, after);
        break;
      }
      i = -after;
      depth--;
    }
  }
}

/** Reads a key and its colon at i (the frame is an object); returns where its value starts. */
function member(s: string, depth: number, i: number): number {
  if (s.charCodeAt(i) !== 0x22) throw UNSURE;
  const end = string(s, i);
  const object = node[depth];
  valueFor[depth] = object === undefined ? undefined : pathKey(s, depth, object, i, end);
  i = end;
  if (s.charCodeAt(i) !== 0x3a) {
    i = ws(s, i);
    if (s.charCodeAt(i) !== 0x3a) throw UNSURE;
  }
  if (s.charCodeAt(++i) <= 0x20) i = ws(s, i);
  // A read path goes on only through objects; any other value there is left to JSON.parse.
  if (valueFor[depth]?.kind === 'object' && s.charCodeAt(i) !== 0x7b) throw UNSURE;
  valueStart[depth] = i;
  return i;
}

/** The node a key of an object on a read path leads to; unsure of an escaped or repeated read key. */
function pathKey(s: string, depth: number, object: ObjectNode, i: number, end: number): Node | undefined {
  if (lastEscaped) throw UNSURE; // an escaped key may spell a read one
  const keys = object.keys;
  for (let k = 0; k < keys.length; k++) {
    const [name, child] = keys[k]!;
    if (end - i - 2 !== name.length || !s.startsWith(name, i + 1)) continue;
    // JSON.parse keeps the last of a repeated key; rare enough to leave to it.
    if (seen[depth]! & (1 << k)) throw UNSURE;
    seen[depth] = seen[depth]! | (1 << k);
    if (child.kind === 'object') found.objects.add(child);
    return child;
  }
  return undefined;
}

/** A value read by extraction ended at i: keep its span. */
function complete(s: string, depth: number, i: number, read: Node): void {
  if (read.kind === 'leaf') found.leaves.set(read.name, [valueStart[depth]!, i]);
  else if (read.kind === 'links' && s.charCodeAt(valueStart[depth]!) !== 0x5b) found.links = [valueStart[depth]!, i];
}

/**
 * The Links array at i, in one tight loop: its entries must be flat objects (any other shape is
 * left to JSON.parse). Keeps the entries that may be image links; returns the array's end.
 */
function links(s: string, i: number): number {
  const entries: Entry[] = (found.links = []);
  i = ws(s, i + 1);
  if (s.charCodeAt(i) === 0x5d) return i + 1;
  for (;;) {
    if (s.charCodeAt(i) !== 0x7b) throw UNSURE;
    const start = i;
    i = entry(s, i);
    if (i < 0) {
      i = -i;
      entries.push(entryValue(s, start, i));
    }
    i = separator(s, i, 0x5d);
    if (i < 0) return -i;
  }
}

// The last path, url and alt of the entry being read (start, end), start -1 when absent, -2 when not a string.
const entrySpans = new Int32Array(8);
let entryEscapes = 0;

/**
 * One flat Links entry at i; returns its end, negated when it may be an image link: a member
 * `path` whose value is the string "IMG@/src" or any escaped string, or an escaped key (which may spell `path`).
 */
function entry(s: string, i: number): number {
  entrySpans[2] = entrySpans[4] = entrySpans[6] = -1;
  entryEscapes = escapes;
  let maybe = false;
  i = ws(s, i + 1);
  if (s.charCodeAt(i) === 0x7d) return i + 1;
  for (;;) {
    if (s.charCodeAt(i) !== 0x22) throw UNSURE;
    const end = string(s, i);
    const key = lastEscaped ? ((maybe = true), 0) : memberKey(s, i, end - i - 2);
    i = end;
    if (s.charCodeAt(i) !== 0x3a) {
      i = ws(s, i);
      if (s.charCodeAt(i) !== 0x3a) throw UNSURE;
    }
    if (s.charCodeAt(++i) <= 0x20) i = ws(s, i);
    const start = i;
    const c = s.charCodeAt(i);
    if (c === 0x22) i = string(s, i);
    else if (c === 0x7b || c === 0x5b) throw UNSURE; // not flat
    else i = scalar(s, i);
    if (key !== 0) {
      if (key === PATH_KEY && c === 0x22 && (lastEscaped || (i - start === 10 && s.startsWith('IMG@/src', start + 1)))) maybe = true;
      entrySpans[key * 2] = c === 0x22 ? start : -2;
      entrySpans[key * 2 + 1] = i;
    }
    i = separator(s, i, 0x7d);
    if (i < 0) return maybe ? i : -i;
  }
}

const PATH_KEY = 1;
const URL_KEY = 2;
const ALT_KEY = 3;
const ENTRY_NAMES = ['', 'path', 'url', 'alt'];

/** path, url or alt: the members of an entry that extraction reads (a plain key whose quote is at i). */
function memberKey(s: string, i: number, length: number): number {
  const c = s.charCodeAt(i + 1);
  if (length === 4) return c === 0x70 && s.startsWith('path', i + 1) ? PATH_KEY : 0;
  if (length !== 3) return 0;
  if (c === 0x75) return s.startsWith('url', i + 1) ? URL_KEY : 0;
  return c === 0x61 && s.startsWith('alt', i + 1) ? ALT_KEY : 0;
}

/**
 * A possible image entry: its path, url and alt read straight from the text when none of its
 * strings had an escape and all three are strings (or absent), else its span, parsed whole later.
 */
function entryValue(s: string, start: number, end: number): Entry {
  if (escapes !== entryEscapes) return [start, end];
  const out: Record<string, string> = {};
  for (let key = PATH_KEY; key <= ALT_KEY; key++) {
    const from = entrySpans[key * 2]!;
    if (from === -2) return [start, end];
    if (from >= 0) out[ENTRY_NAMES[key]!] = s.slice(from + 1, entrySpans[key * 2 + 1]! - 1);
  }
  return out;
}

function parseSpan(s: string, span: Span): unknown {
  return JSON.parse(s.slice(span[0], span[1]));
}

/** The pruned object of a read path that was present, with the values found under it. */
function build(s: string, object: ObjectNode): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, child] of object.keys) {
    if (child.kind === 'object') {
      if (found.objects.has(child)) out[key] = build(s, child);
    } else if (child.kind === 'leaf') {
      const span = found.leaves.get(child.name);
      if (span) out[key] = parseSpan(s, span);
    } else if (found.links !== undefined) {
      const links = found.links;
      if (typeof links[0] === 'number') out[key] = parseSpan(s, links as Span);
      else out[key] = (links as Entry[]).map((l) => (Array.isArray(l) ? parseSpan(s, l) : l));
    }
  }
  return out;
}
