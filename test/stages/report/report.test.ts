import { cpSync, existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import puppeteer from 'puppeteer-core';
import { runCli } from '../../helpers/cli.js';
import { makeTempDir } from '../../helpers/paths.js';
import { makeDemoDataDir } from '../check/tar-tools.js';

// The page's DOM, used only inside page.evaluate (the tests compile without lib.dom).
declare const document: {
  querySelectorAll(selector: string): Iterable<{ id: string; getBoundingClientRect(): { width: number }; querySelectorAll(s: string): { length: number } }>;
  images: Iterable<{ complete: boolean; naturalWidth: number }>;
};

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
// In CI a missing browser is a failure (the launch throws); on a laptop without one, say why it is skipped.
const browserTest = haveChromium || process.env.CI === 'true' ? test : test.skip;
if (!haveChromium && process.env.CI !== 'true') {
  console.warn(`report browser test SKIPPED: no Chromium at ${CHROMIUM} (apt-get install chromium); with CI=true it fails instead`);
}

interface ReportSummary {
  out: string;
  charts: number;
  thumbnails: number;
}

const tmp = makeTempDir('align-report-');
const dataDir = join(tmp.dir, 'data');
const runDir = join(dataDir, 'runs', 'short');
afterAll(() => tmp.cleanup());

beforeAll(async () => {
  await makeDemoDataDir(dataDir);
  // A real short training run with held-out evaluation, so metrics.jsonl has loss, temperature and Recall@K.
  const config = join(tmp.dir, 'train.json');
  await import('node:fs').then((fs) => fs.writeFileSync(config, JSON.stringify({ train: { model: { preset: 'tiny' }, evalEverySteps: 2, batchSize: 16 } })));
  const r = await runCli(['train', '--data-dir', dataDir, '--val', join(dataDir, 'shards', 'val-{000000..000000}.tar'), '--steps', '4', '--out', runDir, '--config', config, '--quiet']);
  if (r.code !== 0) throw new Error(`train exited ${r.code}: ${r.stderr}`);
  const scored = await runCli(['score', '--data-dir', dataDir, '--run', runDir, '--quiet']);
  if (scored.code !== 0) throw new Error(`score exited ${scored.code}: ${scored.stderr}`);
}, 180_000);

async function report(args: string[]): Promise<{ code: number; summary: ReportSummary; html: string; stderr: string }> {
  const r = await runCli(['report', '--data-dir', dataDir, '--json', '--quiet', ...args]);
  if (r.code !== 0) return { code: r.code, summary: undefined as never, html: '', stderr: r.stderr };
  const summary = JSON.parse(r.stdout) as ReportSummary;
  return { code: r.code, summary, html: readFileSync(summary.out, 'utf8'), stderr: r.stderr };
}

const sectionOf = (html: string, id: string): string => {
  const m = new RegExp(`<section id="${id}">[\\s\\S]*?</section>`).exec(html);
  if (!m) throw new Error(`no section ${id}`);
  return m[0];
};

describe('align-data report', () => {
  browserTest('opens in Chromium with every chart and thumbnail rendered, no console error and no request leaving the page', async () => {
    const out = join(tmp.dir, 'report.html');
    const r = await report(['--run', runDir, '--out', out]);
    expect(r.code).toBe(0);
    // decisions, 3 histograms, hosts, failures, sources, model scores, loss, temperature, Recall@K
    expect(r.summary.charts).toBe(11);
    expect(r.summary.thumbnails).toBeGreaterThan(20);
    const browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update',
        '--disable-sync', `--user-data-dir=${mkdtempSync(join(tmp.dir, 'chromium-'))}`],
    });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      const leaving: string[] = [];
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.setRequestInterception(true);
      page.on('request', (req) => {
        const url = req.url();
        if (url.startsWith('file:') || url.startsWith('data:')) return void req.continue();
        leaving.push(url);
        void req.abort();
      });
      await page.setViewport({ width: 1280, height: 900 });
      await page.goto(pathToFileURL(out).href, { waitUntil: 'load' });
      const seen = await page.evaluate(() => ({
        charts: [...document.querySelectorAll('.chart svg')].map((s) => ({ w: s.getBoundingClientRect().width, marks: s.querySelectorAll('path, rect, line').length })),
        images: [...document.images].map((i) => ({ complete: i.complete, w: i.naturalWidth })),
        sections: [...document.querySelectorAll('section')].map((s) => s.id),
      }));
      expect(seen.charts).toHaveLength(11);
      for (const c of seen.charts) expect(c.w > 100 && c.marks > 5).toBe(true);
      expect(seen.images).toHaveLength(r.summary.thumbnails);
      expect(seen.images.every((i) => i.complete && i.w > 0)).toBe(true);
      expect(seen.sections).toEqual(['totals', 'decisions', 'histograms', 'hosts', 'crawl', 'sources', 'scores', 'kept-sheet', 'rejected-sheet', 'refresh', 'run']);
      expect(errors).toEqual([]);
      expect(leaving).toEqual([]);
      const shot = join(process.env.ALIGN_SCREENSHOT_DIR ?? tmpdir(), 'align-report.png');
      await page.screenshot({ path: shot as `${string}.png`, fullPage: true });
      expect(statSync(shot).size).toBeGreaterThan(10_000);
    } finally {
      await browser.close();
    }
  }, 120_000);

  test('the histograms carry the thresholds the last filter run used', async () => {
    const { html } = await report(['--out', join(tmp.dir, 'thresholds.html')]);
    const histograms = sectionOf(html, 'histograms');
    for (const label of ['&gt; 200 px', '&lt; 3', 'min 3', 'max 20']) expect(histograms).toContain(label);
  });

  test('the contact sheets are chosen deterministically and show each rejected pair with its reason', async () => {
    const a = await report(['--out', join(tmp.dir, 'a.html')]);
    const b = await report(['--out', join(tmp.dir, 'b.html')]);
    for (const id of ['kept-sheet', 'rejected-sheet']) expect(sectionOf(a.html, id)).toBe(sectionOf(b.html, id));
    const rejected = sectionOf(a.html, 'rejected-sheet');
    expect(rejected).toMatch(/<span class="reason">image-size<\/span>/);
    expect((rejected.match(/<figure>/g) ?? []).length).toBeLessThanOrEqual(24);
  });

  test('refresh history: "no refresh runs" before any, the runs when refresh has recorded some', async () => {
    const { html } = await report(['--out', join(tmp.dir, 'no-refresh.html')]);
    expect(sectionOf(html, 'refresh')).toContain('no refresh runs');
    const other = join(tmp.dir, 'refreshed');
    cpSync(dataDir, other, { recursive: true });
    const db = new Database(join(other, 'align.db'));
    // A row as `align-data refresh` records it (migration 3's table).
    db.prepare('INSERT INTO refresh_runs VALUES (1, ?, ?, 0, ?)').run('2026-11-01T03:00:00Z', '2026-11-01T03:04:00Z', JSON.stringify({ pagesNew: 12, withdrawn: 3 }));
    db.close();
    const r = await runCli(['report', '--data-dir', other, '--out', join(tmp.dir, 'refresh.html'), '--quiet']);
    expect(r.code).toBe(0);
    const refresh = sectionOf(readFileSync(join(tmp.dir, 'refresh.html'), 'utf8'), 'refresh');
    expect(refresh).toContain('2026-11-01T03:04:00Z');
    expect(refresh).toContain('pagesNew 12, withdrawn 3');
  });

  test('pairs by source, and the model-score histogram with the threshold the last filter run applied', async () => {
    const { html } = await report(['--out', join(tmp.dir, 'sources.html')]);
    expect(sectionOf(html, 'sources')).toMatch(/<td>crawl<\/td>/);
    const scores = sectionOf(html, 'scores');
    expect(scores).toContain('<svg');
    expect(scores).toContain('was not applied');
    const other = join(tmp.dir, 'scored');
    cpSync(dataDir, other, { recursive: true });
    const config = join(tmp.dir, 'keep-half.json');
    await import('node:fs').then((fs) => fs.writeFileSync(config, JSON.stringify({ filter: { modelScore: { enabled: true, keepFraction: 0.5 } } })));
    expect((await runCli(['filter', '--data-dir', other, '--config', config, '--quiet'])).code).toBe(0);
    expect((await runCli(['report', '--data-dir', other, '--out', join(tmp.dir, 'threshold.html'), '--quiet'])).code).toBe(0);
    const applied = sectionOf(readFileSync(join(tmp.dir, 'threshold.html'), 'utf8'), 'scores');
    expect(applied).toMatch(/threshold -?\d\.\d{4}/);
    expect(applied).toContain('≥ ');
  });

  test('stats --html writes the same page', async () => {
    const file = join(tmp.dir, 'stats.html');
    const r = await runCli(['stats', '--data-dir', dataDir, '--html', file, '--quiet']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('rejections');
    const html = readFileSync(file, 'utf8');
    const { html: direct } = await report(['--out', join(tmp.dir, 'direct.html')]);
    expect(sectionOf(html, 'decisions')).toBe(sectionOf(direct, 'decisions'));
    expect(sectionOf(html, 'kept-sheet')).toBe(sectionOf(direct, 'kept-sheet'));
  });

  test('usage and missing data: no --out exits 2, no store or no metrics exits 1 naming it', async () => {
    expect((await runCli(['report', '--data-dir', dataDir])).code).toBe(2);
    const noStore = await runCli(['report', '--data-dir', join(tmp.dir, 'empty'), '--out', join(tmp.dir, 'x.html')]);
    expect(noStore.code).toBe(1);
    expect(noStore.stderr).toContain('E_NO_DATA');
    const noRun = await runCli(['report', '--data-dir', dataDir, '--run', join(tmp.dir, 'no-run'), '--out', join(tmp.dir, 'y.html')]);
    expect(noRun.code).toBe(1);
    expect(noRun.stderr).toContain('metrics.jsonl');
  });
});
