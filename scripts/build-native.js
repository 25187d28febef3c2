// Builds shard's native JPEG encoder (native/encode.c) into native/build/align-encode.node,
// against the libvips that sharp ships (@img/sharp-libvips-<platform>), with its headers from
// @img/sharp-libvips-dev (same version) and Node-API's from node-api-headers. Run by `npm run build`.
//
// Without a C compiler, the headers or a prebuilt libvips, it says why and exits 0: shard then
// encodes with sharp alone (`shard.encoder: auto`), a little slower. With
// ALIGN_DATA_NATIVE_BUILD=required (CI) any of that is an error. A failed build removes an older
// addon, so a stale one never runs against changed sources.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'native', 'encode.c');
const target = join(root, 'native', 'build', 'align-encode.node');
const required = process.env.ALIGN_DATA_NATIVE_BUILD === 'required';
const require = createRequire(join(root, 'package.json'));

function skip(reason) {
  rmSync(target, { force: true });
  const what = `align-data: native JPEG encoder not built: ${reason}`;
  if (required) {
    console.error(`${what} (ALIGN_DATA_NATIVE_BUILD=required)`);
    process.exit(1);
  }
  console.log(`${what}; shard will encode with sharp alone`);
  process.exit(0);
}

/** What `require(name)` gives, or null when the package is not installed. */
function optional(name) {
  try {
    return require(name);
  } catch {
    return null;
  }
}

if (process.platform !== 'linux') skip(`built on Linux only so far (this is ${process.platform})`);
const libvips = require('sharp/lib/libvips');
if (libvips.useGlobalLibvips()) skip('sharp uses a system libvips here, not its prebuilt one');
const runtimeName = `@img/sharp-libvips-${libvips.runtimePlatformArch()}`;
const lib = optional(`${runtimeName}/lib`);
const include = optional('@img/sharp-libvips-dev/include');
const napi = optional('node-api-headers');
if (!lib) skip(`no ${runtimeName} (sharp's prebuilt libvips)`);
if (!include) skip('no @img/sharp-libvips-dev (the libvips headers; a devDependency)');
if (!napi) skip('no node-api-headers (a devDependency)');
const runtimeVersion = require(`${runtimeName}/package`).version;
const devVersion = JSON.parse(readFileSync(join(include, '..', 'package.json'), 'utf8')).version;
if (runtimeVersion !== devVersion) skip(`headers ${devVersion} do not match sharp's libvips ${runtimeVersion}`);
const so = require(`${runtimeName}/versions`).vips;
const library = `libvips-cpp.so.${so}`;
if (!existsSync(join(lib, library))) skip(`no ${library} in ${lib}`);

const cc = process.env.CC || 'cc';
mkdirSync(dirname(target), { recursive: true });
const partial = `${target}.${process.pid}.tmp`;
const args = [
  '-O2', '-fPIC', '-shared', '-Wall', '-DNODE_GYP_MODULE_NAME=align_encode',
  '-I', napi.include_dir, '-I', include, '-I', join(include, 'glib-2.0'), '-I', join(lib, 'glib-2.0', 'include'),
  source, '-o', partial,
  '-L', lib, `-l:${library}`,
  // Found by path as well as by sharp having loaded it first.
  `-Wl,-rpath,$ORIGIN/${relative(dirname(target), lib)}`,
];
const built = spawnSync(cc, args, { encoding: 'utf8' });
if (built.error || built.status !== 0) {
  rmSync(partial, { force: true });
  skip(built.error ? `no C compiler (${cc}: ${built.error.message})` : `${cc} failed:\n${built.stderr.trim()}`);
}
renameSync(partial, target);

// Load it as the shard stage will (sharp first), so a broken build is found now, not mid-run.
const check = spawnSync(process.execPath, ['--input-type=module', '-e',
  `import 'sharp'; import { createRequire } from 'node:module'; const m = createRequire(import.meta.url)(${JSON.stringify(target)}); if (typeof m.encode !== 'function') throw new Error('no encode()');`,
], { cwd: root, encoding: 'utf8' });
if (check.status !== 0) skip(`the built addon does not load:\n${check.stderr.trim()}`);
console.log(`align-data: built ${relative(root, target)} (libvips ${so})`);
