import { spawn, execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { loadPartnerConf } from '../harness/ota/partner-conf.ts';
import { OtaServiceClient } from '../harness/ota/ota-client.ts';
import { downloadFile } from '../harness/testing/device-download.ts';
import { descendants } from '../harness/process/process-tree.ts';

const run = promisify(execFile);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
}

/**
 * The lab OTA service run as its own process: upload and download of one image by the harness's
 * client and by curl, alternating, and its peak RSS while 20 downloads run at once.
 */
export async function benchOtaService(sizeMiB = 256, rounds = 5, concurrent = 20) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hil-bench-svc-'));
  const port = 20000 + Math.floor(Math.random() * 20000);
  const svc = spawn('node', [path.join(root, 'bin/hil.js'), 'service', 'start', '--port', String(port), '--data', path.join(dir, 'data')], { stdio: ['pipe', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((resolve, reject) => {
      svc.stdout!.on('data', (b: Buffer) => b.toString().includes('listening') && resolve());
      svc.once('exit', () => reject(new Error('the service exited at start')));
    });
    // `hil service start` re-executes itself with its memory flags: measure that process.
    const servicePid = descendants(svc.pid!).find((p) => fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('service')) ?? svc.pid!;
    const conf = loadPartnerConf(path.join(dir, 'data', 'partner-ota-conf.json'));
    const client = new OtaServiceClient(conf);
    const image = path.join(dir, 'image.bin');
    fs.writeFileSync(image, crypto.randomBytes(sizeMiB << 20));
    const token = ((await (await fetch(`${conf.baseUrl}/oauth/token`, { method: 'POST', headers: { authorization: `Basic ${conf['auth-string']}` }, body: new URLSearchParams({ username: conf.username, password: conf.userpw, grant_type: 'password' }) })).json()) as { access_token: string }).access_token;
    const uploadUrl = `${conf.baseUrl}/v1/ota/partners/${conf.partnerId}/binaries`;
    const up = { ours: [] as number[], curl: [] as number[] };
    const down = { ours: [] as number[], curl: [] as number[] };
    let sha = '';
    const upOurs = async () => {
      const t0 = performance.now();
      sha = await client.uploadBinary(image);
      return (performance.now() - t0) / 1000;
    };
    const upCurl = async () => {
      const t0 = performance.now();
      await run('curl', ['-sS', '-f', '-X', 'POST', '-H', `Authorization: Bearer ${token}`, '-H', 'Content-Type: application/octet-stream', '--data-binary', `@${image}`, uploadUrl]);
      return (performance.now() - t0) / 1000;
    };
    for (let r = 0; r < rounds; r++) {
      if (r % 2 === 0) {
        up.ours.push(await upOurs());
        up.curl.push(await upCurl());
      } else {
        up.curl.push(await upCurl());
        up.ours.push(await upOurs());
      }
    }
    const dl = `${conf.baseUrl}/v1/ota/lab/binaries/${sha}`;
    const ours = async () => {
      const t0 = performance.now();
      await downloadFile(dl, path.join(dir, 'down.bin'));
      return (performance.now() - t0) / 1000;
    };
    const viaCurl = async () => {
      const t0 = performance.now();
      await run('curl', ['-sS', '-f', '-o', path.join(dir, 'down-curl.bin'), dl]);
      return (performance.now() - t0) / 1000;
    };
    await ours(); // warm-up for both: the first reads fill the page cache
    await viaCurl();
    for (const f of ['down.bin', 'down-curl.bin']) {
      const got = crypto.createHash('sha256').update(fs.readFileSync(path.join(dir, f))).digest('hex');
      if (got !== sha) throw new Error(`bench: ${f} does not match the uploaded image (sha256 ${got}, expected ${sha})`);
    }
    for (let r = 0; r < rounds; r++) {
      // Alternate who goes first: this machine is noisy.
      if (r % 2 === 0) {
        down.ours.push(await ours());
        down.curl.push(await viaCurl());
      } else {
        down.curl.push(await viaCurl());
        down.ours.push(await ours());
      }
    }
    // Peak RSS of the service while `concurrent` clients download the image at once.
    const idle = rssMiB(servicePid);
    let peak = idle;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMiB(servicePid))), 20);
    const t0 = performance.now();
    await Promise.all(Array.from({ length: concurrent }, () => run('curl', ['-sS', '-f', '-o', '/dev/null', dl])));
    const concurrentSec = (performance.now() - t0) / 1000;
    clearInterval(sampler);
    peak = Math.max(peak, rssMiB(servicePid));
    const rate = (secs: number[]) => Math.round((sizeMiB / median(secs)) * 10) / 10;
    return {
      sizeMiB,
      upload: { oursMiBps: rate(up.ours), curlMiBps: rate(up.curl), ratio: Math.round((median(up.curl) / median(up.ours)) * 100) / 100 },
      download: { oursMiBps: rate(down.ours), curlMiBps: rate(down.curl), ratio: Math.round((median(down.curl) / median(down.ours)) * 100) / 100 },
      concurrentDownloads: { clients: concurrent, seconds: Math.round(concurrentSec * 10) / 10, idleRssMiB: Math.round(idle), peakRssMiB: Math.round(peak) },
    };
  } finally {
    svc.kill('SIGTERM');
    await new Promise((r) => svc.once('exit', r));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
