#!/usr/bin/env node
// The `hil` command. The harness is TypeScript; esbuild bundles the CLI into one ES module when a
// source changed (about 0.1 s), and plain Node runs it: no loader thread, so a long-running
// `hil service start` uses half the memory it would through a TypeScript loader.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outfile = path.join(root, '.cache', 'hil', 'hil.mjs');

// The lab OTA service streams images through small short-lived buffers: a small young generation
// keeps its memory flat (peak RSS under 20 concurrent downloads: ~150 MiB with V8's default, ~120
// with this) at no cost in throughput. V8 takes the flag only at start, hence the re-exec.
const SERVICE_FLAGS = ['--max-semi-space-size=2'];

function newestSource(dir) {
  let newest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (e.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

async function buildIfStale() {
  const built = fs.existsSync(outfile) ? fs.statSync(outfile).mtimeMs : 0;
  const sources = Math.max(newestSource(path.join(root, 'harness')), fs.statSync(path.join(root, 'package-lock.json')).mtimeMs);
  if (built > sources) return;
  const { buildSync } = await import('esbuild');
  const tmp = `${outfile}.${process.pid}.tmp`;
  fs.mkdirSync(path.dirname(outfile), { recursive: true });
  buildSync({
    entryPoints: [path.join(root, 'harness', 'cli', 'main.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile: tmp,
    logLevel: 'error',
  });
  fs.renameSync(tmp, outfile); // atomic: a concurrent hil never runs half a file
}

if (process.argv[2] === 'service' && !SERVICE_FLAGS.every((f) => process.execArgv.includes(f))) {
  const child = spawn(process.execPath, [...process.execArgv, ...SERVICE_FLAGS, ...process.argv.slice(1)], { stdio: 'inherit' });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} else {
  await buildIfStale();
  await import(pathToFileURL(outfile).href);
}
