import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startOtaService, type OtaService } from '../service/server.ts';
import { loadPartnerConf } from '../ota/partner-conf.ts';
import { OtaServiceClient } from '../ota/ota-client.ts';
import { publishImage, type PublishedImage } from '../ota/publish.ts';
import { makeRootfsImage } from '../vboard/rootfs-image.ts';
import type { VboardImage } from '../vboard/build.ts';
import type { OtaRecord } from '../ota/record.ts';
import type { Deadline } from '../wait/deadline.ts';
import { LabFault } from '../errors.ts';

// The OTA side of a run: the service the board's images go through, and how an image is built
// for a new record. The virtual board uses a lab service of its own (signing with the key the
// board trusts) and the payloads from its build. A real board uses the partner's configuration
// (HIL_OTA_CONF, Afero's cloud or a lab service) and the partner's build command.

/** What an image carries: the next release, or one that must not boot. */
export type ImageVariant = 'rootfs' | 'rootfs-no-init' | 'rootfs-random-kernel';

export interface Lab {
  client: OtaServiceClient;
  /** Only the lab service can damage a download on purpose. */
  canDamageDownloads: boolean;
  canBuild(variant: ImageVariant): boolean;
  /** The lab service's address on this host, when the run started one. */
  serviceUrl?: string;
  /** Records, builds and uploads an image; `deadline`: the publish phase's, which a build must not outlive. */
  publish(variant: ImageVariant, label: string, o?: { deadline?: Deadline }): Promise<PublishedImage>;
  close(): Promise<void>;
}

let builds = 0;

/** A build outside any phase (the bench): as long as the profiles' default publish budget. */
const BUILD_TIMEOUT_MS = 30 * 60_000;

/**
 * The virtual board's lab service. `o.port`/`o.serviceDir`: for a board that outlives the run (one
 * kept by `hil vboard up`), the address its hubby was given and a data folder kept with the board,
 * so that versionNumbers go on increasing across runs.
 */
export async function virtualLab(image: VboardImage, o: { port?: number; serviceDir?: string } = {}): Promise<Lab> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hil-lab-'));
  const service: OtaService = await startOtaService({ port: o.port, dataDir: o.serviceDir ?? path.join(dir, 'service'), signingKeyFile: path.join(image.dir, 'keys', 'ota-signing.pem') });
  const client = new OtaServiceClient(loadPartnerConf(service.confPath));
  await client.logIn(); // with the lab's setup, not inside a scenario
  return {
    client,
    canDamageDownloads: true,
    canBuild: () => true,
    serviceUrl: service.url,
    async publish(variant, label) {
      const n = ++builds;
      return publishImage(client, {
        name: 'ota-hil-virtual',
        version: `1.0.${process.pid}${n}`,
        description: `${variant} for ${label}`.slice(0, 500),
        build: async (record: OtaRecord) => {
          const out = path.join(dir, `image-${record.versionNumber}.tar.gz`);
          await makeRootfsImage(path.join(image.dir, 'payloads', `${variant}.tar.gz`), record, out);
          return out;
        },
      });
    },
    async close() {
      await service.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs the partner's build command; its output goes to the test's output, its end is awaited (no blocked event loop). */
function runBuild(command: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile('sh', ['-c', command], { env, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024 }, (err) => {
      if (!err) return resolve();
      const why = child.killed ? `did not finish within ${(timeoutMs / 1000).toFixed(0)} s (the publish budget) and was killed` : `failed (${err.message.split('\n')[0]})`;
      reject(new LabFault(`the image build (HIL_OTA_BUILD) ${why}`, { phase: 'publish', cause: err }));
    });
    child.stdout?.pipe(process.stdout);
    child.stderr?.pipe(process.stderr);
  });
}

/**
 * A real board's lab: HIL_OTA_CONF names partner-ota-conf.json; HIL_OTA_BUILD is the command that
 * builds the release image for a record (it gets RECORD=full_ota_record.json and OUT=image path,
 * like bitbake with the record in TMPDIR). Only the good image can be built this way. Each build
 * has a folder of its own (a whole system image), removed once the image is uploaded, and in any
 * case when the lab closes. `o.scratchDir`: where those folders go (default: the system's).
 */
export function partnerLab(env: NodeJS.ProcessEnv = process.env, o: { scratchDir?: string } = {}): Lab {
  const confFile = env.HIL_OTA_CONF;
  if (!confFile) throw new Error('HIL_OTA_CONF: set it to the partner-ota-conf.json of the OTA service the board uses');
  const conf = loadPartnerConf(confFile);
  const client = new OtaServiceClient(conf);
  const builds = new Set<string>();
  return {
    client,
    canDamageDownloads: false,
    canBuild: (v) => v === 'rootfs' && !!env.HIL_OTA_BUILD,
    async publish(variant, label, p = {}) {
      if (variant !== 'rootfs' || !env.HIL_OTA_BUILD) throw new Error(`HIL_OTA_BUILD: set it to the command that builds a release image for an OTA record (needed for ${label})`);
      const dir = fs.mkdtempSync(path.join(o.scratchDir ?? os.tmpdir(), 'hil-build-'));
      builds.add(dir);
      try {
        return await publishImage(client, {
          name: conf.name,
          version: `${conf.version}.${Date.now()}`,
          build: async (record) => {
            const recordFile = path.join(dir, 'full_ota_record.json');
            fs.writeFileSync(recordFile, JSON.stringify(record, null, 4));
            const out = path.join(dir, 'image.bin');
            await runBuild(env.HIL_OTA_BUILD!, { ...env, RECORD: recordFile, OUT: out }, p.deadline?.remainingMs() ?? BUILD_TIMEOUT_MS);
            return out;
          },
        });
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
        builds.delete(dir);
      }
    },
    async close() {
      for (const dir of builds) fs.rmSync(dir, { recursive: true, force: true });
      builds.clear();
    },
  };
}
