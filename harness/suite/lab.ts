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
import { inventoryPath, readLabSection } from '../board/inventory.ts';

// The OTA side of a run: the service the board's images go through, and how an image is built
// for a new record. The virtual board uses a lab service of its own (signing with the key the
// board trusts) and the payloads from its build. A real board uses the partner's configuration
// (Afero's cloud or a lab service) and the partner's build command, from the lab inventory's
// `lab` section or the environment.

/** What an image carries: the next release, or one that must not boot. */
export const imageVariants = ['rootfs', 'rootfs-no-init', 'rootfs-random-kernel'] as const;
export type ImageVariant = (typeof imageVariants)[number];

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

/** Where the build command comes from, for its errors (the command itself may carry credentials). */
const BUILD_SOURCE = "HIL_OTA_BUILD or the inventory's lab.<board>.build";

/** Runs the partner's build command; its output goes to the test's output, its end is awaited (no blocked event loop). */
function runBuild(command: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile('sh', ['-c', command], { env, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024 }, (err) => {
      if (!err) return resolve();
      const why = child.killed ? `did not finish within ${(timeoutMs / 1000).toFixed(0)} s (the publish budget) and was killed` : `failed (${err.message.split('\n')[0]})`;
      reject(new LabFault(`the image build (${BUILD_SOURCE}) ${why}`, { phase: 'publish', cause: err }));
    });
    child.stdout?.pipe(process.stdout);
    child.stderr?.pipe(process.stderr);
  });
}

/** Where a real board's lab values come from: the environment, else the inventory's `lab` section for the board type. */
export interface PartnerLabOptions {
  /** Where build folders go (default: the system's temporary folder). */
  scratchDir?: string;
  /** The project root (for lab-inventory.json) and the board type, to read the inventory's `lab` section. */
  projectRoot?: string;
  board?: string;
}

/** The lab's values: HIL_OTA_CONF, HIL_OTA_BUILD, HIL_OTA_VARIANTS (comma-separated) win over the inventory's. */
function partnerLabValues(env: NodeJS.ProcessEnv, o: PartnerLabOptions): { confFile?: string; build?: string; variants: ImageVariant[]; inventory?: string } {
  const inventory = o.projectRoot && o.board ? inventoryPath(o.projectRoot, env) : undefined;
  const section = inventory ? readLabSection(inventory, o.board!) : {};
  const variants = env.HIL_OTA_VARIANTS !== undefined ? env.HIL_OTA_VARIANTS.split(',').map((v) => v.trim()).filter(Boolean) : (section.variants ?? []);
  const where = env.HIL_OTA_VARIANTS !== undefined ? 'HIL_OTA_VARIANTS' : `${inventory}: lab.${o.board}.variants`;
  const unknown = variants.filter((v) => !(imageVariants as readonly string[]).includes(v));
  if (unknown.length) throw new Error(`${where}: expected image variants among ${imageVariants.join(', ')}, found ${unknown.map((v) => JSON.stringify(v)).join(', ')}`);
  return { confFile: env.HIL_OTA_CONF || section.otaConf, build: env.HIL_OTA_BUILD || section.build, variants: variants as ImageVariant[], inventory };
}

/**
 * A real board's lab: the partner-ota-conf.json of the OTA service the board uses, and the command
 * that builds the release image for a record (it gets RECORD=full_ota_record.json, OUT=image path
 * and VARIANT, like bitbake with the record in TMPDIR): from HIL_OTA_CONF / HIL_OTA_BUILD, else
 * the inventory's `lab.<board>` (otaConf, build). The good image can always be built; the broken
 * ones only when named (HIL_OTA_VARIANTS or `variants`). A configuration written by a lab service
 * (`labService: true`) can damage downloads. Each build has a folder of its own (a whole system
 * image), removed once the image is uploaded, and in any case when the lab closes.
 */
export function partnerLab(env: NodeJS.ProcessEnv = process.env, o: PartnerLabOptions = {}): Lab {
  const values = partnerLabValues(env, o);
  const confFile = values.confFile;
  if (!confFile) throw new Error(`HIL_OTA_CONF: set it (or "otaConf" in the lab inventory's lab.${o.board ?? '<board>'}) to the partner-ota-conf.json of the OTA service the board uses`);
  const conf = loadPartnerConf(confFile);
  const client = new OtaServiceClient(conf);
  const builds = new Set<string>();
  const build = values.build;
  const canBuild = (v: ImageVariant) => !!build && (v === 'rootfs' || values.variants.includes(v));
  return {
    client,
    canDamageDownloads: conf.labService === true,
    canBuild,
    async publish(variant, label, p = {}) {
      if (!build) throw new Error(`${BUILD_SOURCE}: set it to the command that builds a release image for an OTA record (needed for ${label})`);
      if (!canBuild(variant)) throw new Error(`${variant}: the image build cannot make this variant (name it in HIL_OTA_VARIANTS or the inventory's lab.${o.board ?? '<board>'}.variants; needed for ${label})`);
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
            await runBuild(build, { ...env, RECORD: recordFile, OUT: out, VARIANT: variant }, p.deadline?.remainingMs() ?? BUILD_TIMEOUT_MS);
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
