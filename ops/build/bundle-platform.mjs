// @ts-check
/**
 * Bundles the platform's own TypeScript (the workspaces' sources, not node_modules) into
 * ESM files under ops/dist/platform, so a start loads plain JavaScript instead of tsx
 * transforming every module at every start (about 3 s of CPU on a 2-core machine).
 *
 *   node ops/build/bundle-platform.mjs             # build
 *   node ops/build/bundle-platform.mjs --if-stale  # build only when a bundled input changed
 *   node ops/build/bundle-platform.mjs --outdir=ops/.cache/x   # elsewhere in the repository (tests)
 *
 * Packages stay external (resolved from node_modules at run time as before): native
 * modules (better-sqlite3) and packages that read their own data files (pdfkit fonts,
 * swagger-ui-dist) keep working. Linked source maps, run with --enable-source-maps, make
 * stack traces in the logs name the .ts files. `--if-stale` (npm's prestart) compares a
 * hash of every input the last build read, so a developer's edit is never run stale.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// inside the repository: the bundle's package imports resolve from node_modules above it
const OUT_DIR = path.resolve(
  ROOT,
  process.argv.find((a) => a.startsWith('--outdir='))?.slice('--outdir='.length) ?? 'ops/dist/platform',
);
const STAMP = path.join(OUT_DIR, 'inputs.json');
/** The entry points; ops/dist/platform/<name>.mjs each. */
const ENTRIES = ['main', 'admin-create', 'projection-rebuild'];
/** Files that change the output without being bundled themselves (the workspaces' exports among them). */
const BUILD_FILES = [
  'ops/build/bundle-platform.mjs',
  'tsconfig.json',
  'package-lock.json',
  ...['shared-kernel', 'command', 'projections', 'read-api', 'ops'].map((w) => `${w}/package.json`),
];
/** read, not imported: the freshness check of every `npm start` need not load esbuild;
 *  null where it is not installed (`npm ci --omit=dev`) */
const ESBUILD_VERSION = (() => {
  try {
    return createRequire(import.meta.url)('esbuild/package.json').version;
  } catch {
    return null;
  }
})();

/** `@booking/<workspace>[/<subpath>]` -> the source file its package.json exports. */
function workspaceImport(specifier) {
  const [, workspace, subpath] = /^@booking\/([^/]+)(\/.*)?$/.exec(specifier) ?? [];
  if (!workspace) return undefined;
  const dir = path.join(ROOT, workspace);
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const target = pkg.exports?.[subpath ? `.${subpath}` : '.'];
  if (typeof target !== 'string') throw new Error(`${specifier}: not exported by ${workspace}/package.json`);
  return path.join(dir, target);
}

/** @type {import('esbuild').Plugin} */
const bundleWorkspaces = {
  name: 'bundle-workspaces',
  setup(build) {
    // packages: 'external' would leave the workspaces external too (they are symlinks in
    // node_modules): bundle their TypeScript like our own relative imports
    build.onResolve({ filter: /^@booking\// }, (args) => {
      const file = workspaceImport(args.path);
      return file ? { path: file } : undefined;
    });
  },
};

function digest(files) {
  const hash = crypto.createHash('sha256');
  for (const file of [...files].sort()) {
    hash.update(file);
    hash.update('\0');
    hash.update(fs.readFileSync(path.join(ROOT, file)));
  }
  return hash.digest('hex');
}

/** True when the last build's outputs exist and none of its inputs changed since. */
function isFresh() {
  try {
    const stamp = JSON.parse(fs.readFileSync(STAMP, 'utf8'));
    if (stamp.esbuild !== ESBUILD_VERSION) return false;
    if (!stamp.outputs.every((/** @type {string} */ f) => fs.existsSync(path.join(ROOT, f)))) return false;
    return digest(stamp.inputs) === stamp.digest;
  } catch {
    return false; // no stamp, or an input is gone
  }
}

async function build() {
  const started = performance.now();
  const esbuild = await import('esbuild');
  fs.rmSync(OUT_DIR, { recursive: true, force: true });
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: Object.fromEntries(ENTRIES.map((name) => [name, `ops/platform/${name}.ts`])),
    outdir: OUT_DIR,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20.19',
    packages: 'external',
    plugins: [bundleWorkspaces],
    // class names reach logs, problem types and the OpenAPI schemas: no `Foo2` for a clash
    keepNames: true,
    sourcemap: 'linked',
    // stack traces need only the mappings; the sources are in the repository
    sourcesContent: false,
    metafile: true,
    logLevel: 'warning',
  });
  const inputs = [...Object.keys(result.metafile.inputs), ...BUILD_FILES];
  const outputs = Object.keys(result.metafile.outputs);
  fs.writeFileSync(
    STAMP,
    JSON.stringify({ esbuild: esbuild.version, digest: digest(inputs), inputs, outputs }, null, 2) + '\n',
  );
  const ms = Math.round(performance.now() - started);
  process.stderr.write(`bundled ${inputs.length} files into ${path.relative(ROOT, OUT_DIR)} in ${ms} ms\n`);
}

if (process.argv.includes('--if-stale')) {
  if (isFresh()) process.exit(0);
  if (ESBUILD_VERSION === null && fs.existsSync(STAMP)) {
    // installed without dev dependencies: nothing to rebuild with, the bundle stands as built
    process.stderr.write('esbuild is not installed: running the bundle as it was built\n');
    process.exit(0);
  }
}
await build();
