#!/usr/bin/env node
// The `hil` command. The harness is TypeScript; esbuild bundles the CLI into one ES module when a
// source changed (about 0.1 s), and plain Node runs it: no loader thread, so a long-running
// `hil service start` uses half the memory it would through a TypeScript loader.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outfile = path.join(root, '.cache', 'hil', 'hil.mjs');

function newestSource(dir) {
  let newest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (e.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

const built = fs.existsSync(outfile) ? fs.statSync(outfile).mtimeMs : 0;
if (built <= Math.max(newestSource(path.join(root, 'harness')), fs.statSync(path.join(root, 'package-lock.json')).mtimeMs)) {
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
await import(pathToFileURL(outfile).href);
