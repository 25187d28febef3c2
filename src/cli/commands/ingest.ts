import { LIST_FORMATS } from '../../config/ingest.js';
import { loadConfig } from '../../config/load.js';
import { usageError } from '../../errors.js';
import { formatSummary } from '../../util/format.js';
import type { CommandDef } from '../command.js';
import { intFlag, partitionOptions } from '../flags.js';
import { resolvePartition } from '../../util/partition.js';

const list = (v: unknown): string[] | undefined => (v === undefined ? undefined : (v as unknown[]).map(String));

export const ingestCommand: CommandDef = {
  command: 'ingest',
  describe: 'Read URL/caption lists (txt/csv/tsv/json/jsonl/parquet) and Common Crawl WAT/WARC files into the store; download the images politely',
  lock: true,
  options: (y) =>
    y
      .option('input', { type: 'string', array: true, describe: 'URL/caption lists: files, folders, globs or http(s) URLs (.gz read transparently)' })
      .option('wat', { type: 'string', array: true, describe: 'Common Crawl WAT files (same forms)' })
      .option('warc', { type: 'string', array: true, describe: 'WARC files: HTML responses go through the crawler\'s extractor' })
      .option('input-format', { type: 'string', describe: `Format of the lists: ${LIST_FORMATS.join(', ')} (default: from the extension)` })
      .option('url-col', { type: 'string', describe: 'Column of the image URL (default url)' })
      .option('caption-col', { type: 'string', describe: 'Column of the caption (default caption)' })
      .option('page-url-col', { type: 'string', describe: 'Column of the page URL (optional)' })
      .option('save-columns', { type: 'string', describe: 'Columns carried into each sample\'s .json in the shards: a,b,c' })
      .option('download', { type: 'boolean', describe: 'Download the queued images after reading (--no-download: pairs only)' })
      .option('prefilter', { type: 'boolean', describe: 'Judge word-count, opt-out and blocklist before queuing an image' })
      .options(partitionOptions('Keep and download only the rows whose image host partition I/N owns'))
      .option('batch-size', { type: 'number', describe: 'Rows or records per transaction (default 2000)' })
      .example('$0 ingest --input laion.parquet --url-col URL --caption-col TEXT', 'a LAION part, downloaded politely')
      .example('$0 ingest --wat "CC-MAIN-*.warc.wat.gz" --no-download --prefilter', 'count and text-filter WAT files first'),
  async run(args, ctx) {
    const { ingestFlow } = await import('../../flows/ingest.js');
    const { resolveAllInputs } = await import('../../stages/ingest/index.js');
    if (args.inputFormat !== undefined && !(LIST_FORMATS as readonly string[]).includes(String(args.inputFormat))) {
      throw usageError(`--input-format: expected one of ${LIST_FORMATS.join(', ')}, got \`${String(args.inputFormat)}\``);
    }
    const saveColumns = typeof args.saveColumns === 'string' ? args.saveColumns.split(',').map((c) => c.trim()).filter(Boolean) : undefined;
    const config = loadConfig(args.config, {
      ingest: {
        inputs: list(args.input), wat: list(args.wat), warc: list(args.warc), inputFormat: args.inputFormat,
        urlCol: args.urlCol, captionCol: args.captionCol, pageUrlCol: args.pageUrlCol, saveColumns,
        download: args.download, prefilter: args.prefilter, batchSize: intFlag(args, 'batchSize', '--batch-size', 1),
      },
    });
    resolveAllInputs(config.ingest); // a missing file or an unknown format exits 2 before any work
    const partition = resolvePartition(args.partition, args.partitions);
    const summary = await ingestFlow(config, ctx, partition);
    return { summary: { ...summary }, text: formatSummary('ingest', { ...summary.ingest }) + (summary.download ? formatSummary('download', { ...summary.download }) : '') };
  },
};
