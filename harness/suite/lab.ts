import { execFileSync } from 'node:child_process';
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
  publish(variant: ImageVariant, label: string): Promise<PublishedImage>;
  close(): Promise<void>;
}

let builds = 0;

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

/**
 * A real board's lab: HIL_OTA_CONF names partner-ota-conf.json; HIL_OTA_BUILD is the command that
 * builds the release image for a record (it gets RECORD=full_ota_record.json and OUT=image path,
 * like bitbake with the record in TMPDIR). Only the good image can be built this way.
 */
export function partnerLab(env: NodeJS.ProcessEnv = process.env): Lab {
  const confFile = env.HIL_OTA_CONF;
  if (!confFile) throw new Error('HIL_OTA_CONF: set it to the partner-ota-conf.json of the OTA service the board uses');
  const conf = loadPartnerConf(confFile);
  const client = new OtaServiceClient(conf);
  return {
    client,
    canDamageDownloads: false,
    canBuild: (v) => v === 'rootfs' && !!env.HIL_OTA_BUILD,
    async publish(variant, label) {
      if (variant !== 'rootfs' || !env.HIL_OTA_BUILD) throw new Error(`HIL_OTA_BUILD: set it to the command that builds a release image for an OTA record (needed for ${label})`);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hil-build-'));
      return publishImage(client, {
        name: conf.name,
        version: `${conf.version}.${Date.now()}`,
        build: async (record) => {
          const recordFile = path.join(dir, 'full_ota_record.json');
          fs.writeFileSync(recordFile, JSON.stringify(record, null, 4));
          const out = path.join(dir, 'image.bin');
          execFileSync('sh', ['-c', env.HIL_OTA_BUILD!], { env: { ...env, RECORD: recordFile, OUT: out }, stdio: 'inherit' });
          return out;
        },
      });
    },
    async close() {},
  };
}
