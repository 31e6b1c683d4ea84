import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { OtaRecord } from '../ota/record.ts';
import { atomicTmpPattern, writeFileAtomic } from '../fs/write-file-atomic.ts';

// The lab OTA service's persistent state: one JSON file replaced atomically (write, fsync,
// rename) after every change, and image bytes as content-addressed files. A crash or a restart
// at any instant leaves either the old state or the new one, never half of it; a change that
// cannot be written (a full disk) is not made, in memory either.

export interface FirmwareImage extends OtaRecord {
  /** The image id the deploy tool names (-i). */
  imageId: string;
  deviceTypeId: string;
  sha256: string;
  size: number;
  associatedTimestamp: number;
}

export interface Push {
  deviceId: string;
  imageId: string;
  versionNumber: string;
  requestedTimestamp: number;
  state: 'pending' | 'downloading' | 'done' | 'failed';
  updatedTimestamp: number;
  note?: string;
  /** Lab only: how the download is damaged on the way to the device (tests of the device's checks). */
  labFault?: LabFault;
}

/** Damage the lab service can do to a download, for the cases a real service never produces. */
export const labFaults = ['flip-body-byte', 'flip-signature-byte', 'wrong-type-byte', 'truncate'] as const;
export type LabFault = (typeof labFaults)[number];

export interface Binary {
  sha256: string;
  size: number;
}

export interface State {
  nextRecordId: number;
  nextImageId: number;
  nextVersionNumber: Record<string, number>;
  records: OtaRecord[];
  images: FirmwareImage[];
  binaries: Binary[];
  pushes: Push[];
}

const empty: State = { nextRecordId: 11000, nextImageId: 49000, nextVersionNumber: {}, records: [], images: [], binaries: [], pushes: [] };

export class ServiceStore {
  private state: State;
  private readonly file: string;
  readonly blobDir: string;
  readonly tmpDir: string;

  constructor(readonly dataDir: string) {
    this.file = path.join(dataDir, 'state.json');
    this.blobDir = path.join(dataDir, 'blobs');
    this.tmpDir = path.join(dataDir, 'tmp');
    fs.mkdirSync(this.blobDir, { recursive: true });
    fs.mkdirSync(this.tmpDir, { recursive: true });
    this.state = fs.existsSync(this.file) ? { ...structuredClone(empty), ...JSON.parse(fs.readFileSync(this.file, 'utf8')) } : structuredClone(empty);
  }

  /**
   * Removes what a crash or a failed write left: uploads cut off, half-written state files. Only
   * for the folder's one service (it holds the lock) once it is sure to run (its port is bound).
   */
  removeLeftovers(): void {
    for (const f of fs.readdirSync(this.tmpDir)) fs.rmSync(path.join(this.tmpDir, f), { recursive: true, force: true });
    for (const f of fs.readdirSync(this.dataDir)) if (atomicTmpPattern.test(f)) fs.rmSync(path.join(this.dataDir, f), { force: true });
  }

  /** Applies a change to a copy, writes the copy, and only then makes it the state: all or nothing. */
  update<T>(change: (s: State) => T): T {
    const next = structuredClone(this.state);
    const out = change(next);
    writeFileAtomic(this.file, JSON.stringify(next, null, 1));
    this.state = next;
    return out;
  }

  get data(): Readonly<State> {
    return this.state;
  }

  blobPath(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`not a sha256: ${sha256}`);
    return path.join(this.blobDir, sha256);
  }

  newTmpPath(): string {
    return path.join(this.tmpDir, `upload-${crypto.randomBytes(8).toString('hex')}`);
  }
}
