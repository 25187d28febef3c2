/**
 * A synthetic crawl store for bench/filter.ts: pages, image URLs, blobs and pairs written with
 * plain SQL batch inserts (no crawler), with distributions shaped like a web crawl:
 * - alt words drawn from a Zipf vocabulary, alt lengths log-normal (median ~7 words, 1..40);
 * - a pool of stock alts ("logo", "click here") shared by many images;
 * - a few images carrying more than 1000 distinct alts; identical pairs repeated on other pages;
 *   case / white-space variants of an alt; one image served from two URLs;
 * - shorter sides log-normal around 300 px (many icons under 200), most aspect ratios 1..2,
 *   some banners over 3; 1.5 % of pages opted out.
 *
 * Written fast enough for 10,000,000 pairs: pairs are found page after page (page ids rise, as in
 * a crawl), so the pairs' unique index grows at its end; the alt_key index, whose inserts would
 * land all over the tree, is dropped while pairs go in and rebuilt once by a sort.
 */
import { openStore, type Db } from '../src/store/db.js';
import { Rng as SeededRng } from '../src/util/rng.js';
import { altKey, normalizeAlt, wordCount } from '../src/util/text.js';

export interface SyntheticSizes {
  pairs: number;
  images: number;
  pages: number;
  hosts: number;
  vocabulary: number;
}

type Rng = () => number;

/** Samples 0..n-1 with P(i) ∝ 1 / (i + 1)^s, by binary search over the cumulative weights. */
function makeZipf(n: number, s: number, rng: Rng): () => number {
  const cdf = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) cdf[i] = total += 1 / Math.pow(i + 1, s);
  return () => {
    const x = rng() * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

function logNormal(rng: Rng, median: number, sigma: number): number {
  const z = Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
  return median * Math.exp(sigma * z);
}

function makeWords(n: number, rng: Rng): string[] {
  const syllables = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'ti', 'vo', 'ze', 'pa', 'do', 'ge', 'bi', 'fu', 'ha', 'ju'];
  const words = new Set<string>();
  while (words.size < n) {
    const len = 1 + Math.floor(rng() * 4);
    let w = '';
    for (let i = 0; i < len; i++) w += syllables[Math.floor(rng() * syllables.length)];
    words.add(w);
  }
  return [...words];
}

/** Builds the store in `dataDir` and returns how many rows of each kind it holds. */
export function buildSyntheticStore(dataDir: string, sizes: SyntheticSizes, seed = 42): Record<string, number> {
  const seeded = new SeededRng(seed);
  const rng: Rng = () => seeded.next();
  const db = openStore(dataDir);
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -262144');
  const words = makeWords(sizes.vocabulary, rng);
  const pickWord = makeZipf(words.length, 1.05, rng);
  const pickHost = makeZipf(sizes.hosts, 1.1, rng);
  const pickStock = makeZipf(2000, 1.0, rng);
  const makeAlt = (): string => {
    const n = Math.max(1, Math.min(40, Math.round(logNormal(rng, 7, 0.6))));
    return Array.from({ length: n }, () => words[pickWord()]).join(' ');
  };
  const stock = Array.from({ length: 2000 }, (_, i) => (i < 50 ? words[i]! : makeAlt().split(' ').slice(0, 3).join(' ')));
  insertPages(db, sizes, rng, pickHost);
  const imageUrls = insertImages(db, sizes, rng);
  db.exec('DROP INDEX pairs_alt_key');
  const pairs = insertPairs(db, sizes, rng, { makeAlt, stock, pickStock, imageUrls });
  db.exec('CREATE INDEX pairs_alt_key ON pairs(alt_key)');
  db.pragma('wal_checkpoint(TRUNCATE)');
  const counts = { pages: sizes.pages, blobs: sizes.images, imageUrls, pairs };
  db.close();
  return counts;
}

function insertPages(db: Db, sizes: SyntheticSizes, rng: Rng, pickHost: () => number): void {
  const insert = db.prepare(
    `INSERT INTO pages (id, url, host, status, http_status, opt_out, discovered_at, fetched_at) VALUES (?, ?, ?, 'done', 200, ?, 0, 0)`,
  );
  db.transaction(() => {
    for (let id = 1; id <= sizes.pages; id++) {
      const host = `site${pickHost()}.example`;
      const r = rng();
      const optOut = r < 0.01 ? 'noai' : r < 0.015 ? 'noimageai' : null;
      insert.run(id, `https://${host}/p/${id}`, host, optOut);
    }
  })();
}

/** One blob per image; 5 % of the blobs get a second URL; 2 % extra URLs failed. Returns URL rows. */
function insertImages(db: Db, sizes: SyntheticSizes, rng: Rng): number {
  const blob = db.prepare(`INSERT INTO blobs (sha256, bytes, format, width, height, created_at) VALUES (?, ?, 'jpeg', ?, ?, 0)`);
  const image = db.prepare(`INSERT INTO images (id, url, host, status, sha256, discovered_at) VALUES (?, ?, ?, ?, ?, 0)`);
  let id = 0;
  db.transaction(() => {
    for (let b = 0; b < sizes.images; b++) {
      const sha = b.toString(16).padStart(64, '0');
      const short = Math.max(8, Math.min(4000, Math.round(logNormal(rng, 300, 0.7))));
      const r = rng();
      const ratio = r < 0.7 ? 1 + rng() * 0.8 : r < 0.92 ? 1.8 + rng() * 1.2 : 3 + rng() * 5;
      const long = Math.round(short * ratio);
      const [w, h] = rng() < 0.6 ? [long, short] : [short, long];
      blob.run(sha, 30_000, w, h);
      const host = `img${b % 500}.example`;
      image.run(++id, `https://${host}/i/${b}.jpg`, host, 'ok', sha);
    }
    for (let b = 0; b < sizes.images * 0.05; b++) {
      const sha = Math.floor(rng() * sizes.images).toString(16).padStart(64, '0');
      image.run(++id, `https://mirror.example/i/${b}.jpg`, 'mirror.example', 'ok', sha);
    }
    for (let b = 0; b < sizes.images * 0.02; b++) {
      image.run(++id, `https://broken.example/i/${b}.jpg`, 'broken.example', 'failed', null);
    }
  })();
  return id;
}

interface PairSources {
  makeAlt: () => string;
  stock: string[];
  pickStock: () => number;
  imageUrls: number;
}

/** Every image URL gets a pair, then random ones; 30 images get 1100 alts each. Returns pairs inserted. */
function insertPairs(db: Db, sizes: SyntheticSizes, rng: Rng, src: PairSources): number {
  const insert = db.prepare(
    `INSERT OR IGNORE INTO pairs (page_id, image_id, alt_raw, alt_norm, alt_key, word_count, found_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const recent: { image: number; alt: string }[] = [];
  let inserted = 0;
  const add = (page: number, image: number, raw: string): void => {
    const norm = normalizeAlt(raw);
    inserted += insert.run(page, image, raw, norm, altKey(norm), wordCount(norm), inserted).changes;
    if (recent.length < 10_000) recent.push({ image, alt: raw });
    else recent[Math.floor(rng() * recent.length)] = { image, alt: raw };
  };
  const manyAlts = 30 * 1100;
  const randomPage = (): number => 1 + Math.floor(rng() * sizes.pages);
  // The page a pair is found on rises with the pairs found so far: a crawl's order.
  const crawlPage = (): number => 1 + Math.min(sizes.pages - 1, Math.floor((inserted * sizes.pages) / sizes.pairs));
  const batch = db.transaction((n: number) => {
    for (let i = 0; i < n && inserted < sizes.pairs - manyAlts; i++) {
      const r = rng();
      const old = recent.length > 0 ? recent[Math.floor(rng() * recent.length)]! : undefined;
      if (r < 0.05 && old) add(crawlPage(), old.image, old.alt); // the same pair on another page
      else if (r < 0.08 && old) add(crawlPage(), old.image, `  ${old.alt.toUpperCase()} `); // a case / space variant
      else {
        const image = inserted < src.imageUrls ? inserted + 1 : 1 + Math.floor(rng() * src.imageUrls);
        add(crawlPage(), image, r < 0.23 ? src.stock[src.pickStock()]! : src.makeAlt());
      }
    }
  });
  while (inserted < sizes.pairs - manyAlts) batch(50_000);
  db.transaction(() => {
    for (let k = 0; k < manyAlts; k++) add(randomPage(), 1 + (((k % 30) * 997) % src.imageUrls), `${src.makeAlt()} ${k}`);
  })();
  return inserted;
}
