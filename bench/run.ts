import fs from 'node:fs';
import { benchConsoleLatency } from './console-latency.ts';
import { benchParseThroughput } from './parse-throughput.ts';
import { benchSftpVsScp } from './sftp-vs-scp.ts';
import { benchOtaService } from './ota-service-throughput.ts';
import { benchVirtualBoard } from './virtual-board.ts';
import { benchLoginStorm } from './login-storm.ts';
import { benchParseBigLog } from './parse-big-log.ts';
import { benchTrendPage } from './trend-page.ts';
import { benchScale } from './scale.ts';
import { benchTwins } from './twins.ts';

// `npm run bench`: figures, not pass/fail. Ratios are measured side by side in one run, since
// this machine is noisy. Results also go to reports/bench.json.

const results: Record<string, unknown> = { when: new Date().toISOString() };
const line = (s: string) => process.stdout.write(`${s}\n`);

const twinsTitle = 'board twins as the rack sees them (one at a time): vboard up, re-image, power-on to login prompt and SSH, one full update';

if (process.argv.includes('twins')) {
  // npm run bench -- twins: the twins' figures beside the plain virtual board's, measured in this
  // run (one QEMU at a time), merged into the last bench.json.
  line(twinsTitle);
  const vb = await benchVirtualBoard(process.cwd());
  line(`  virtual  power-on to login prompt ${vb.powerOnToShellS.toFixed(2)} s, to SSH ${vb.powerOnToSshS.toFixed(2)} s   one full update ${vb.scenario1.wallS.toFixed(2)} s`);
  const twins = await benchTwins(process.cwd(), line);
  const prev = fs.existsSync('reports/bench.json') ? JSON.parse(fs.readFileSync('reports/bench.json', 'utf8')) : {};
  fs.mkdirSync('reports', { recursive: true });
  fs.writeFileSync('reports/bench.json', `${JSON.stringify({ ...prev, when: results.when, virtualBoard: vb, twins }, null, 2)}\n`);
  process.exit(0);
}

if (process.argv.includes('scale')) {
  // npm run bench -- scale: only the fifty-board figures, merged into the last bench.json.
  line('scale: 50 boards followed from this host (one Playwright worker per board, and one worker for all)');
  const scale = await benchScale(50);
  const prev = fs.existsSync('reports/bench.json') ? JSON.parse(fs.readFileSync('reports/bench.json', 'utf8')) : {};
  fs.mkdirSync('reports', { recursive: true });
  fs.writeFileSync('reports/bench.json', `${JSON.stringify({ ...prev, when: results.when, scale }, null, 2)}\n`);
  process.exit(0);
}

line('console: line written to pty -> pending expect() resolved');
const lat = await benchConsoleLatency();
results.consoleLatency = lat;
line(`  p50 ${lat.p50Ms.toFixed(2)} ms   p99 ${lat.p99Ms.toFixed(2)} ms   max ${lat.maxMs.toFixed(2)} ms   (${lat.samples} samples; target p99 < 5 ms)`);

line('log parser throughput');
const parse = benchParseThroughput();
results.parseThroughput = parse;
line(`  captured log: ${parse.fileLinesPerSec.toLocaleString('en')} lines/s   live event log: ${parse.liveLinesPerSec.toLocaleString('en')} lines/s   (${parse.lines.toLocaleString('en')} lines)`);

line('SFTP put of 64 MiB to a local OpenSSH server: ssh2 vs scp (median of 3, alternating)');
const sftp = await benchSftpVsScp();
results.sftpVsScp = sftp;
line(`  ssh2 ${sftp.ssh2MiBps} MiB/s   scp ${sftp.scpMiBps} MiB/s   ratio ${sftp.ratio}x   (target >= 0.8x; ssh2 native crypto binding: ${sftp.nativeCrypto ? 'yes' : 'NO'})`);

fs.mkdirSync('reports', { recursive: true });
fs.writeFileSync('reports/bench.json', `${JSON.stringify(results, null, 2)}\n`);
line('written: reports/bench.json');

line('hil parse-log on a generated 1 GiB syslog (--json and text): wall time, lines/s, peak RSS   (target < 200 MiB, >= 100k lines/s)');
results.parseBigLog = await benchParseBigLog();
fs.writeFileSync('reports/bench.json', `${JSON.stringify(results, null, 2)}\n`);

line('lab OTA service: device-poll latency while 200 logins run at once   (target p99 < 100 ms)');
results.loginStorm = await benchLoginStorm();
fs.writeFileSync('reports/bench.json', `${JSON.stringify(results, null, 2)}\n`);

line('trend page: 1,000 nights x 50 boards x 10 scenarios   (target < 2 s, < 2 MB)');
results.trendPage = await benchTrendPage();
fs.writeFileSync('reports/bench.json', `${JSON.stringify(results, null, 2)}\n`);

line('scale: 50 boards followed from this host (one Playwright worker per board, and one worker for all)');
results.scale = await benchScale(50);
fs.writeFileSync('reports/bench.json', `${JSON.stringify(results, null, 2)}\n`);

line('lab OTA service, 256 MiB image: the harness client vs curl (median of 5, alternating), and RSS under 20 concurrent downloads');
const svc = await benchOtaService();
results.otaService = svc;
line(`  upload   ours ${svc.upload.oursMiBps} MiB/s   curl ${svc.upload.curlMiBps} MiB/s   ratio ${svc.upload.ratio}x   (target >= 0.8x)`);
line(`  download ours ${svc.download.oursMiBps} MiB/s   curl ${svc.download.curlMiBps} MiB/s   ratio ${svc.download.ratio}x   (target >= 0.8x)`);
line(`  ${svc.concurrentDownloads.clients} concurrent downloads in ${svc.concurrentDownloads.seconds} s: service RSS ${svc.concurrentDownloads.idleRssMiB} MiB idle, ${svc.concurrentDownloads.peakRssMiB} MiB peak   (target < 150 MiB)`);
fs.writeFileSync('reports/bench.json', `${JSON.stringify(results, null, 2)}\n`);

line('virtual board: build cold and warm, boot, reboot; scenario 1 split into device and harness time');
const vb = await benchVirtualBoard(process.cwd());
results.virtualBoard = vb;
const s = (n: number) => `${n.toFixed(2)} s`;
line(`  build cold ${s(vb.buildColdS)}   warm ${s(vb.buildWarmS)}   (target warm < 1 s)`);
line(`  power-on to shell prompt ${s(vb.powerOnToShellS)}   to SSH ${s(vb.powerOnToSshS)}   reboot to SSH ${s(vb.rebootToSshS)}   (target SSH < 25 s)`);
line(`  scenario 1: ${s(vb.scenario1.wallS)} wall = ${s(vb.scenario1.deviceS)} awaiting the board + ${s(vb.scenario1.harnessS)} harness (${vb.scenario1.harnessPercent.toFixed(2)} %; target < 2 %)`);
fs.writeFileSync('reports/bench.json', `${JSON.stringify(results, null, 2)}\n`);

// After the plain virtual board, so that one QEMU runs at a time, and beside its figures.
line(twinsTitle);
line(`  virtual  power-on to login prompt ${s(vb.powerOnToShellS)}, to SSH ${s(vb.powerOnToSshS)}   one full update ${s(vb.scenario1.wallS)}`);
results.twins = await benchTwins(process.cwd(), line);
fs.writeFileSync('reports/bench.json', `${JSON.stringify(results, null, 2)}\n`);
