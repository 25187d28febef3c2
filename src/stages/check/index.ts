/**
 * check: shards (and the data dir's store, when there is one) → quality gates for CI.
 *
 * In: WebDataset tars named by a folder or a brace pattern (ours or any other tool's: jpg / png /
 * webp images with txt / json captions), the files beside them (sizes.json, manifests), and
 * `align.db` when the shards belong to a data dir. Out: one verdict per gate (pass / fail / skip,
 * figures, the first offending shards and keys with a count). Reads only; takes no lock.
 * May import: store, util, webdataset, errors, config (and the blocklist filter's matcher).
 *
 * One streaming pass: per-sample state goes to a scratch SQLite file, so memory does not grow
 * with the number of samples.
 */
import { existsSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, relative, resolve, isAbsolute } from 'node:path';
import type { Config } from '../../config/schema.js';
import type { ShardConfig } from '../../config/shard.js';
import { AlignError, usageError } from '../../errors.js';
import { CheckScratch } from '../../store/check-scratch.js';
import { CheckStore } from '../../store/check.js';
import { type Db, openStore, storePath } from '../../store/db.js';
import type { StageContext } from '../../util/context.js';
import { sampleOptionsHash } from '../../webdataset/sample-options.js';
import { listShards } from '../../webdataset/shard-list.js';
import { fetchedGate, consentGate, rejectionGate } from './store-gates.js';
import { manifestGate, sizesGate } from './file-gates.js';
import { evalSettings, loadEvalSet, type EvalSet } from './eval-images.js';
import { type GateResult, gate, skipped } from './offenders.js';
import type { ResizeOptions } from './options-size.js';
import { sampleGates } from './sample-gates.js';
import { type ScanResult, scanShards } from './scan.js';

export type { GateResult } from './offenders.js';

export interface CheckOptions {
  /** A folder, a .tar, or a brace pattern (`::`-joined parts too). @default `<dataDir>/shards` */
  shards?: string;
}

export interface CheckSummary {
  passed: boolean;
  /** Names of the failed gates. */
  failed: string[];
  shards: number;
  samples: number;
  /** The store the store gates read (null: shards alone). */
  store: string | null;
  seconds: number;
  samplesPerSecond: number;
  gates: GateResult[];
}

export async function runCheck(config: Config, ctx: StageContext, options: CheckOptions = {}): Promise<CheckSummary> {
  const started = Date.now();
  const paths = listCheckShards(options.shards ?? join(ctx.dataDir, 'shards'), options.shards === undefined);
  const evalConfig = evalSettings(config);
  const evalSet = evalConfig && config.check.decodeImages ? await loadEvalSet(evalConfig) : null;
  const db = storeFor(ctx.dataDir, paths);
  const store = db && new CheckStore(db);
  const scratch = new CheckScratch();
  try {
    const valPrefix = `${config.shard.valPrefix}-`;
    const scan = await scanShards(paths, {
      config: config.check,
      scratch,
      isVal: (name) => name.startsWith(valPrefix) || /^(val|valid|validation|test)[-_.]/i.test(name),
      storedSize: store ? (key) => store.sampleSize(key) : undefined,
      shardOptions: store ? shardOptionsFor(store, config.shard) : undefined,
      originalSize: store ? (key) => store.originalSize(key) : undefined,
      nearEval: evalSet ? (phash) => evalSet.index.has(phash) : undefined,
      concurrency: config.check.concurrency ?? availableParallelism() * 2,
      signal: ctx.signal,
      progress: (done) => ctx.log.progress('check', { samples: done }),
    });
    scratch.finish();
    const limit = config.check.offendersListed;
    const gates = [...sampleGates(scan, scratch, config.check), sizesGate(scan.shards, limit), manifestGate(scan.shards, limit), evalGate(scan, evalSet, config)];
    gates.push(...(store ? [rejectionGate(store, config), fetchedGate(store, config), await consentGate(store, config)] : storeSkips()));
    const seconds = Math.max(1e-3, (Date.now() - started) / 1000);
    const failed = gates.filter((g) => g.status === 'fail').map((g) => g.name);
    return {
      passed: failed.length === 0,
      failed,
      shards: paths.length,
      samples: scan.samples,
      store: db ? storePath(ctx.dataDir) : null,
      seconds,
      samplesPerSecond: scan.samples / seconds,
      gates,
    };
  } finally {
    scratch.close();
    db?.close();
  }
}

/** The shards to check. A folder without tars is an empty dataset (the min-samples gate says so); a path that is not there is bad usage. */
function listCheckShards(spec: string, defaulted: boolean): string[] {
  if (existsSync(spec) && statSync(spec).isDirectory()) {
    try {
      return listShards(spec, undefined, 'all').map((s) => s.path);
    } catch {
      return [];
    }
  }
  try {
    return listShards(spec, undefined, 'all').map((s) => s.path);
  } catch (err) {
    if (!(err instanceof AlignError)) throw err;
    throw usageError(
      defaulted ? `no shards in ${spec}` : err.message,
      defaulted ? 'pass --data-dir with a data dir that has shards, or --shards with a folder, a .tar or a pattern' : err.hint,
    );
  }
}

/** The data dir's store, when it has one and every shard lies inside the data dir (shards alone are checked alone). */
function storeFor(dataDir: string, paths: readonly string[]): Db | undefined {
  if (!existsSync(storePath(dataDir))) return undefined;
  const root = resolve(dataDir);
  const inside = (p: string): boolean => {
    const rel = relative(root, resolve(p));
    return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
  };
  if (!paths.every(inside)) return undefined;
  return openStore(dataDir, { readonly: true });
}

/**
 * The shards the store says were written with the config's shard options (the same hash the
 * shard stage records): their images are judged against its resize options. Any other shard's
 * options are unknown here, so it is judged by its .json and the store's sizes only.
 */
function shardOptionsFor(store: CheckStore, shard: ShardConfig): (name: string) => ResizeOptions | undefined {
  const hash = sampleOptionsHash(shard);
  const matching = new Set(store.shardOptionHashes().filter((s) => s.optionsHash === hash).map((s) => s.name));
  return (name) => (matching.has(name) ? shard : undefined);
}

function evalGate(scan: ScanResult, evalSet: EvalSet | null, config: Config): GateResult {
  const describe = 'no shard image is a near-duplicate of an eval image';
  if (!evalSet) {
    const why = evalSettings(config) ? 'decoding is off (check.decodeImages)' : 'no eval images configured (check.evalImages)';
    return skipped('eval-dedup', describe, why);
  }
  const figures = { evalImages: evalSet.images, evalUndecodable: evalSet.undecodable, maxDistanceBits: evalSet.maxDistanceBits, checked: scan.decoded };
  return gate('eval-dedup', describe, figures, scan.nearEval);
}

function storeSkips(): GateResult[] {
  const note = 'no store: shards checked alone';
  return [
    skipped('rejection-share', 'no one reason rejects more than the allowed share of the judged pairs', note),
    skipped('fetched-share', 'at least the required share of the image URLs tried was fetched', note),
    skipped('consent', 'no kept or published pair comes from an opted-out or blocklisted source', note),
  ];
}
