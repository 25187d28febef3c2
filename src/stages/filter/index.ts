/**
 * filter: the crawl's pairs → a decision (kept, or the first failing filter, plus every failing
 * one) for every pair, and a filter_runs record.
 *
 * In: pages, images, blobs and pairs in the store (the raw dataset is every pair whose image is
 * 'ok'), the `filter` config, optionally eval images. Out: `decisions` rows (the shard stage
 * writes kept = 1), blobs.phash when eval dedup runs, a FilterSummary.
 *
 * How: the counts ALIGN's rules need (images per alt, alts per image, token ranks) are SQL temp
 * tables over the raw dataset; each filter of filters/ is a SQL condition or a JS predicate over
 * a pair row, and one INSERT ... SELECT evaluates them all. Only the rare-token frequencies are
 * counted in JS (token-ranks.ts), streamed and in bounded memory.
 *
 * May import: store, util, errors, config, and filters/ (the registry and the API).
 */
import { existsSync } from 'node:fs';
import type { FilterTools, Pair } from '../../../filters/api.js';
import type { FilterConfig } from '../../config/filter.js';
import { AlignError } from '../../errors.js';
import { openStore, storePath } from '../../store/db.js';
import { FilterStore, PAIR_COLUMNS, type DecisionCounts, type DecisionStep, type JsStep, type RawFacts, type SqlStep } from '../../store/filter.js';
import type { StageContext } from '../../util/context.js';
import { stableHash, stableStringify } from '../../util/hash.js';
import { asStorageError } from '../../util/storage-error.js';
import { emptyHashCounts, hashEvalImages, hashStoredImages, type HashCounts } from './image-hashes.js';
import { camelToSnake, loadFilters, snakeToCamel, type LoadedFilter } from './load-filters.js';
import { computeTokenRanks, type TokenRankOptions, type TokenRankResult } from './token-ranks.js';

export interface FilterRunOptions {
  /** Where relative `filter.custom` module paths resolve: the config file's folder. @default process.cwd() */
  baseDir?: string;
  /** Memory bounds and scratch folder of the rare-token count (see token-ranks.ts). @default scratch files in the data dir */
  tokens?: TokenRankOptions;
}

export interface FilterCounts {
  active: boolean;
  /** Pairs whose first failing filter this is. */
  first: number;
  /** Pairs failing it, whatever else they fail. */
  any: number;
}

export interface FilterSummary {
  runId: number;
  configHash: string;
  /** Every pair in the store. */
  pairs: number;
  /** Pairs whose image was fetched and probed: the raw dataset the counts are over. */
  rawPairs: number;
  /** Distinct images (sha256) of the raw dataset. */
  images: number;
  /** Distinct (image, alt) samples of the raw dataset: what could be kept at most. */
  samples: number;
  kept: number;
  rejected: number;
  /** Copies of a sample found on a later page. */
  duplicates: number;
  /** Pairs outside the raw dataset: image failed, skipped for an opt-out, or still queued. */
  imageNotOk: number;
  /** Decisions inserted or changed by this run (0 when nothing changed). */
  changed: number;
  /**
   * Pairs whose source withdrew consent (a page or image that now says noai, answers 404/410 or
   * is disallowed by robots.txt): never kept. `new`: recorded by this run; `restored`: sources
   * fetched fine again, whose pairs are judged afresh.
   */
  withdrawn: { total: number; new: number; restored: number };
  filters: Record<string, FilterCounts>;
  tokens: TokenRankResult | null;
  hashes: HashCounts;
  seconds: number;
}

export async function runFilter(config: FilterConfig, ctx: StageContext, options: FilterRunOptions = {}): Promise<FilterSummary> {
  const startedAt = Date.now();
  const filters = await loadFilters(config, options.baseDir ?? process.cwd());
  if (!existsSync(storePath(ctx.dataDir))) {
    throw new AlignError('E_NO_DATA', `no store in ${ctx.dataDir}: nothing to filter`, { hint: 'run `align-data crawl` first, or pass --data-dir' });
  }
  const db = openStore(ctx.dataDir);
  try {
    const store = new FilterStore(db);
    const step = makeStepper(ctx);
    const hashes = emptyHashCounts();
    store.createCountTables();
    // Conditions compile against the empty count tables: a broken one stops the run before any work.
    const conditions = new Map(filters.map((f) => [f, conditionOf(f, store)]));
    step('withdrawals');
    const withdrawals = store.updateWithdrawals(Date.now());
    const facts = store.fillCounts(step);
    const active = filters.filter((f) => f.filter.active?.(f.options, facts) ?? true);
    step('prepare');
    const steps: DecisionStep[] = [];
    for (const f of active) {
      const state = f.filter.prepare ? await f.filter.prepare(f.options, makeTools(store, hashes, ctx)) : undefined;
      steps.push(conditions.get(f) ?? predicateOf(f, state));
    }
    let tokens: TokenRankResult | null = null;
    if (store.columnsUsed(steps).has('token_rank')) {
      step('token ranks');
      // Scratch files beside the store: the data dir is sized for the data, /tmp may not be.
      tokens = computeTokenRanks(store, { scratchDir: ctx.dataDir, ...options.tokens });
    }
    step('decisions');
    const runId = store.startRun(stableHash(config), stableStringify(config), Date.now());
    const changed = store.writeDecisions(runId, steps);
    step('summary');
    const applied = filters.map((f) => ({ name: f.filter.name, active: active.includes(f) }));
    const summary = summarize(store.countDecisions(), facts, applied, { runId, configHash: stableHash(config), changed, tokens, hashes, startedAt, withdrawals });
    store.finishRun(runId, summary, Date.now());
    step('done');
    ctx.log.clearProgress();
    return summary;
  } catch (err) {
    // Decisions are written in one transaction: a full disk leaves the last complete run's.
    throw asStorageError(err, { store: storePath(ctx.dataDir), path: ctx.dataDir });
  } finally {
    db.close();
  }
}

/** Progress between steps, each step's time in --verbose, and the Ctrl-C check. */
function makeStepper(ctx: StageContext): (name: string) => void {
  let lap = { name: 'open', at: Date.now(), cpu: process.cpuUsage() };
  return (name) => {
    const cpu = process.cpuUsage(lap.cpu);
    ctx.log.debug(`filter: ${lap.name} took ${((Date.now() - lap.at) / 1000).toFixed(2)} s (cpu ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s)`);
    lap = { name, at: Date.now(), cpu: process.cpuUsage() };
    if (ctx.signal.aborted) throw ctx.signal.reason;
    ctx.log.progress('filter', { step: name });
  };
}

interface RunFacts {
  runId: number;
  configHash: string;
  changed: number;
  tokens: TokenRankResult | null;
  hashes: HashCounts;
  startedAt: number;
  withdrawals: { recorded: number; cleared: number; total: number };
}

function summarize(counts: DecisionCounts, facts: RawFacts, filters: { name: string; active: boolean }[], run: RunFacts): FilterSummary {
  return {
    runId: run.runId,
    configHash: run.configHash,
    pairs: counts.pairs,
    rawPairs: facts.pairs,
    images: facts.images,
    samples: facts.samples,
    kept: counts.kept,
    rejected: counts.pairs - counts.kept,
    duplicates: counts.first.duplicate ?? 0,
    imageNotOk: counts.pairs - facts.pairs,
    changed: run.changed,
    withdrawn: { total: run.withdrawals.total, new: run.withdrawals.recorded, restored: run.withdrawals.cleared },
    filters: Object.fromEntries(filters.map(({ name, active }) => [name, { active, first: counts.first[name] ?? 0, any: counts.any[name] ?? 0 }])),
    tokens: run.tokens,
    hashes: run.hashes,
    seconds: (Date.now() - run.startedAt) / 1000,
  };
}

function makeTools(store: FilterStore, counts: HashCounts, ctx: StageContext): FilterTools {
  return {
    hashImageFiles: (paths) => hashEvalImages(store, paths, counts, ctx),
    hashStoredImages: () => hashStoredImages(store, counts, ctx),
    log: { info: (m) => ctx.log.info(m), warn: (m) => ctx.log.warn(m) },
  };
}

const ALL_FIELDS = Object.keys(PAIR_COLUMNS).map(snakeToCamel) as (keyof Pair)[];

/** A `where` filter's SQL step, checked to compile (a config error if not); undefined for a `keep` filter. */
function conditionOf(f: LoadedFilter, store: FilterStore): SqlStep | undefined {
  if (!f.filter.where) return undefined;
  const cond = f.filter.where(f.options);
  const step = typeof cond === 'string' ? { name: f.filter.name, sql: cond, params: {} } : { name: f.filter.name, sql: cond.sql, params: cond.params ?? {} };
  try {
    store.checkStep(step);
  } catch (err) {
    throw new AlignError('E_CONFIG', `\`${f.configPath}\`: the SQL of filter \`${f.filter.name}\` does not compile: ${(err as Error).message}`, {
      hint: 'a condition may use the snake_case columns of the Pair fields in filters/api.ts and :name parameters',
    });
  }
  return step;
}

/** A `keep` filter as a JS step over the columns of its fields. */
function predicateOf(f: LoadedFilter, state: unknown): JsStep {
  const { filter, options } = f;
  const keep = filter.keep!;
  const fields = filter.fields ?? ALL_FIELDS;
  return {
    name: filter.name,
    columns: fields.map(camelToSnake),
    keep: (values) => {
      const pair = {} as Record<string, unknown>;
      fields.forEach((field, i) => (pair[field] = values[i]));
      try {
        return keep(pair as unknown as Pair, options, state);
      } catch (err) {
        throw new AlignError('E_RUNTIME', `filter \`${filter.name}\` failed on pair ${String(pair.pairId ?? '?')}: ${(err as Error).message}`, {
          hint: `fix the filter module, or take it out of ${f.configPath}`,
        });
      }
    },
  };
}
