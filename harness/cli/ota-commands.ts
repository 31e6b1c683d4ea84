import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { loadPartnerConf, type PartnerConf } from '../ota/partner-conf.ts';
import { OtaServiceClient, OtaServiceError } from '../ota/ota-client.ts';
import { recordVersion, type OtaRecord } from '../ota/record.ts';
import { writeFileAtomic } from '../fs/write-file-atomic.ts';
import { progressPrinter } from './progress.ts';
import { exitCodeOf, StateError, UsageError } from './failure.ts';

// `hil ota record|upload|list|deploy`: the options and behaviour of Afero's
// partner-ota-hub-uploader.py and partner-ota-hub-deploy.py, against the lab service by default.
// A failure's exit code follows from its type (failure.ts): 1 the service refused or the record is
// in the wrong state, 2 bad input (options, configuration, files), 3 a lab fault.

export const RECORD_FILE = 'full_ota_record.json';

export interface ServiceOptions {
  conf: string;
  /** Seconds for each answer of the service (--timeout). */
  timeout?: string;
}

export interface BuildOptions extends ServiceOptions {
  buildNum: string;
  debug?: boolean;
  skipTmpdir?: boolean;
}

function clientFor(conf: PartnerConf, o: ServiceOptions): OtaServiceClient {
  return new OtaServiceClient(conf, o.timeout ? { requestTimeoutMs: Number(o.timeout) * 1000 } : {});
}

/** The image named by imageFiles.A (beside the configuration), checked before the upload starts. */
function imageFile(conf: PartnerConf): string {
  const image = path.resolve(conf.dir, conf.imageFiles.A);
  let st: fs.Stats;
  try {
    st = fs.statSync(image);
  } catch (e) {
    throw new UsageError(`imageFiles.A: expected the image file, cannot read ${image} (${(e as NodeJS.ErrnoException).code})`);
  }
  if (!st.isFile()) throw new UsageError(`imageFiles.A: expected the image file, ${image} is a ${st.isDirectory() ? 'directory' : 'special file'}`);
  return image;
}

const out = (s: string) => process.stdout.write(`${s}\n`);

/** Where the record goes: bitbake's TMPDIR, or with -s the current directory. */
function recordDir(skipTmpdir: boolean | undefined): string {
  if (skipTmpdir) return process.cwd();
  const r = spawnSync('bitbake', ['-e'], { encoding: 'utf8', maxBuffer: 256 << 20 });
  if (r.error) throw new UsageError('bitbake was not found: run from a sourced Yocto build environment, or pass -s to write the record in the current directory');
  const m = /^TMPDIR="([^"]+)"/m.exec(r.stdout);
  if (!m) throw new UsageError('bitbake -e printed no TMPDIR; pass -s to write the record in the current directory');
  return m[1];
}

function checkBuildNum(n: string): void {
  if (!/^\d+$/.test(n)) throw new UsageError(`-n/--buildNum: expected a build number (digits), found "${n}"`);
}

export async function recordCommand(o: BuildOptions): Promise<void> {
  checkBuildNum(o.buildNum);
  const conf = loadPartnerConf(o.conf);
  const client = clientFor(conf, o);
  const version = recordVersion(conf.version, o.buildNum, !!o.debug);
  const dir = recordDir(o.skipTmpdir);
  if (await client.recordExists(conf.name, version)) throw new StateError(`an OTA record for ${conf.name} version ${version} exists already; use another build number`);
  const record = await client.createRecord({ name: conf.name, description: conf.description, version });
  const file = path.join(dir, RECORD_FILE);
  writeFileAtomic(file, `${JSON.stringify(record, null, 4)}\n`);
  out(`OTA record created: ${record.name} version ${record.version}, versionNumber ${record.versionNumber}`);
  out(`written: ${file}`);
}

export async function uploadCommand(o: BuildOptions): Promise<void> {
  checkBuildNum(o.buildNum);
  const conf = loadPartnerConf(o.conf);
  const client = clientFor(conf, o);
  const version = recordVersion(conf.version, o.buildNum, !!o.debug);
  const file = path.join(recordDir(o.skipTmpdir), RECORD_FILE);
  if (!fs.existsSync(file)) throw new StateError(`no OTA record at ${file}: create it first with \`hil ota record -n ${o.buildNum}\` (same options)`);
  let record: OtaRecord;
  try {
    record = JSON.parse(fs.readFileSync(file, 'utf8')) as OtaRecord;
  } catch (e) {
    throw new UsageError(`${file}: not valid JSON: ${(e as Error).message}`);
  }
  if (record.version !== version || record.name !== conf.name) {
    throw new StateError(`${file} is the record of ${record.name} version ${record.version}, not ${conf.name} version ${version}: use the options given to \`hil ota record\``);
  }
  if (!(await client.recordExists(conf.name, version))) throw new StateError(`the OTA service has no record of ${conf.name} version ${version}: create it first with \`hil ota record\``);
  const existing = await client.findImage(record.versionNumber);
  if (existing) {
    out(`${conf.name} version ${version} (versionNumber ${record.versionNumber}) is already uploaded as image ${existing.id}: nothing to do`);
    return;
  }
  const image = imageFile(conf);
  out('Upload the OTA Image .....');
  const sha = await client.uploadBinary(image, progressPrinter(path.basename(image)));
  record.url = await client.moveToRepository(sha);
  out('Update OTA Record with the storage URL .....');
  await client.updateRecord(record);
  writeFileAtomic(file, `${JSON.stringify(record, null, 4)}\n`);
  out('Associate the Image with the deviceTypeId and PartnerId ....');
  if (!(await client.associate(record))) out('(it was already associated)');
  const img = await client.findImage(record.versionNumber);
  out(`Done! image id ${img?.id ?? '?'}, versionNumber ${record.versionNumber}, sha256 ${sha}`);
}

export async function listCommand(o: ServiceOptions): Promise<void> {
  const conf = loadPartnerConf(o.conf);
  const images = await clientFor(conf, o).listAllImages();
  const rows = images.map((i) => `${String(i.id).padEnd(10)}  ${String(i.version).padEnd(15)}  ${String(i.name).padEnd(21)}  ${String(i.description ?? '')}`);
  out('');
  out('----  List of HUB FULL OTA images ----');
  out('');
  out(`partnerId   : ${conf.partnerId}`);
  out(`deviceTypeId: ${conf.deviceTypeId}`);
  out('');
  out(`Total Number of Images: ${images.length}`);
  out(`${'Image Id'.padEnd(10)}  ${'Version'.padEnd(15)}  ${'Name'.padEnd(21)}  Description`);
  out(`${'-'.repeat(10)}  ${'-'.repeat(15)}  ${'-'.repeat(21)}  ${'-'.repeat(30)}`);
  rows.forEach(out);
}

/** Pushes to each device in turn; a refusal for one does not stop the others. Exit code: the first failure's. */
export async function deployCommand(o: ServiceOptions & { imageId: string; device: string }): Promise<number> {
  const devices = o.device.split(',').map((d) => d.trim()).filter(Boolean);
  const bad = devices.filter((d) => !/^[0-9a-f]{16}$/.test(d));
  if (devices.length === 0 || bad.length) throw new UsageError(`-d/--device: expected deviceIds (16 hex digits, comma-separated), found ${bad.length ? bad.map((d) => `"${d}"`).join(', ') : 'none'}`);
  if (!/^\d+$/.test(o.imageId)) throw new UsageError(`-i/--imageId: expected an image id (digits; see \`hil ota list\`), found "${o.imageId}"`);
  const client = clientFor(loadPartnerConf(o.conf), o);
  let code = 0;
  for (const d of devices) {
    try {
      out(`${d}: ${await client.push(o.imageId, d)}`);
    } catch (e) {
      if (!(e instanceof OtaServiceError)) throw e;
      code ||= exitCodeOf(e);
      process.stderr.write(`${d}: ${e.message.split('\n')[0]}\n`);
    }
  }
  return code;
}
