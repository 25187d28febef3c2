import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultConfig, loadConfig } from '../../src/config/load.js';
import { AlignError } from '../../src/errors.js';
import { ROOT, makeTempDir } from '../helpers/paths.js';

describe('config', () => {
  const tmp = makeTempDir();
  afterAll(() => tmp.cleanup());

  function writeConfig(value: unknown): string {
    const path = join(tmp.dir, `c${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
    return path;
  }

  function configErrorOf(fn: () => unknown): AlignError {
    try {
      fn();
    } catch (err) {
      expect(err).toBeInstanceOf(AlignError);
      return err as AlignError;
    }
    throw new Error('expected an error');
  }

  test('config.example.json parses and shows every default', () => {
    const path = join(ROOT, 'config.example.json');
    const example = JSON.parse(readFileSync(path, 'utf8'));
    expect(loadConfig(path)).toEqual(defaultConfig());
    // Every option is written out: the example equals the parsed defaults key for key.
    expect(example).toEqual(JSON.parse(JSON.stringify(defaultConfig())));
  });

  test('flags override the file', () => {
    const path = writeConfig({ crawl: { maxPages: 10, maxDepth: 2 } });
    const config = loadConfig(path, { crawl: { maxPages: 3, maxDepth: undefined } });
    expect(config.crawl.maxPages).toBe(3);
    expect(config.crawl.maxDepth).toBe(2);
  });

  test('an unknown key is an error naming it', () => {
    const err = configErrorOf(() => loadConfig(writeConfig({ crawl: { perHostConcurency: 2 } })));
    expect(err.code).toBe('E_CONFIG');
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain('perHostConcurency');
    expect(err.message).toContain('crawl');
  });

  test('a wrong value names the field, what was expected and what came', () => {
    const err = configErrorOf(() => loadConfig(writeConfig({ crawl: { perHostConcurrency: 0 } })));
    expect(err.message).toContain('crawl.perHostConcurrency');
    expect(err.message).toMatch(/>0/);
    expect(err.message).toContain('got `0`');
  });

  test('a file that is not JSON is a config error', () => {
    const err = configErrorOf(() => loadConfig(writeConfig('{ "crawl": ')));
    expect(err.code).toBe('E_CONFIG');
    expect(err.message).toContain('not valid JSON');
  });

  test('a missing file is a config error', () => {
    const err = configErrorOf(() => loadConfig(join(tmp.dir, 'nope.json')));
    expect(err.code).toBe('E_CONFIG');
  });
});
