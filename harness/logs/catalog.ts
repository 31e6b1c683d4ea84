// The lines the OTA job is followed by: hubby, attrd, otamgr and sysupgrade as logged on a real
// Afero board (see docs/log-events.md for the source of each), the lab's virtual boards' own lines
// (the virtual board and the board twins) for the steps whose real wording is not public or that
// the product does not log (marked origin 'virtual-board'), plus the bootloader
// and kernel banners that show a reboot happened. A pattern matches wherever its needle is in a
// line, so a console prompt or a syslog prefix before it does not matter.
//
// The same catalog reads live console lines, so one garbage line must never stall a run: every
// match is linear in the line's length. A line is searched for the entry's needle (a literal,
// indexOf) and the pattern is tried only there (sticky), at the first few occurrences. Each
// pattern, from a fixed start, has no nested quantifiers and no two adjacent quantifiers that can
// take the same characters, so it never backtracks more than once over a character.

export const otaEventKinds = [
  'ota-allowed',
  'ota-refused',
  'download-start',
  'download-done',
  'download-failed',
  'image-received',
  'sha-start',
  'sha-generated',
  'verify-start',
  'verify-done',
  'validated',
  'validation-failed',
  'upgrade-path-set',
  'otamgr-notified',
  'otamgr-failed',
  'sysupgrade-invoked',
  'sysupgrade-missing',
  'install-writing',
  'slot-switched',
  'install-failed',
  'reboot',
  'bootloader',
  'bootloader-rollback',
  'kernel-boot',
  'running-version',
] as const;

export type OtaEventKind = (typeof otaEventKinds)[number];

/** The check a refused image failed, when its line says so (the real hubby's wording is public only for some). */
export type FailedCheck = 'header-read' | 'image-size' | 'image-type' | 'signature' | 'sha256';

/** Fields a line carries; which ones depends on the kind. Numbers stay strings where the product treats them as ids. */
export interface OtaEventFields {
  imageType?: number;
  versionNumber?: string;
  currentVersion?: string;
  deviceId?: string;
  url?: string;
  path?: string;
  bytes?: number;
  httpStatus?: number;
  sha256?: string;
  reason?: string;
  failedCheck?: FailedCheck;
  attrId?: number;
  owner?: string;
  exitCode?: number;
  /** The block device an install writes. */
  device?: string;
  /** Boot partitions (slots) as the bootloader names them. */
  fromPartition?: string;
  toPartition?: string;
  /** Boots the bootloader tried before it rolled back. */
  failedBoots?: number;
  bootloaderVersion?: string;
  kernelVersion?: string;
}

export interface CatalogEntry {
  kind: OtaEventKind;
  /** Where the line comes from, for the docs and for reading a failure. Kernel and bootloader lines count only as the console prints them. */
  source: 'hubby' | 'attrd' | 'otamgr' | 'sysupgrade' | 'shell' | 'bootloader' | 'kernel' | 'init';
  /** Set for a line only the lab's virtual boards (virtual, twins) print; absent for the real product's lines. */
  origin?: 'virtual-board';
  /** A literal every matching line contains where the pattern starts. */
  needle: string;
  /** Tried sticky where the needle occurs; it starts with the needle, or looks behind it for a fixed context. */
  pattern: RegExp;
  fields?: (m: RegExpExecArray) => OtaEventFields;
}

/**
 * Console text past this many characters is not a daemon's log line (the longest product line,
 * attrd's with a hex value, is under 400): the rest is cut before matching, so that the work on a
 * garbage line (a binary dump, a runaway echo) has a fixed bound.
 */
export const MAX_MATCHED_LINE = 4096;

/** The part of a line that is matched: all of it, up to MAX_MATCHED_LINE. */
export function matchedPart(line: string): string {
  return line.length > MAX_MATCHED_LINE ? line.slice(0, MAX_MATCHED_LINE) : line;
}

/** Occurrences of the needle a pattern is tried at: a real line has one; a hostile one cannot multiply the work. */
const MAX_TRIES = 4;

function hexToText(hex: string): string {
  return Buffer.from(hex, 'hex').toString('latin1').replace(/\0+$/, '');
}

/** Earlier entries win: failure forms come before the success forms they resemble. Written unanchored for reading; compiled sticky below. */
const entries: CatalogEntry[] = [
  // hubby: may this image be installed?
  { kind: 'ota-refused', source: 'hubby', needle: 'BentoProduct::LocalOtaAllowed(', pattern: /BentoProduct::LocalOtaAllowed\((\d+), (\d+)\): (unsupported image type$|[\s\S]*?(?:not newer|not allowed)[\s\S]*)$/, fields: (m) => ({ imageType: Number(m[1]), versionNumber: m[2], reason: m[3] }) },
  { kind: 'ota-refused', source: 'hubby', needle: 'HubConclave::HandleDeviceOta(', pattern: /HubConclave::HandleDeviceOta\((\d+), (\d+), ([^)]*)\): not allowed to do local OTA/, fields: (m) => ({ imageType: Number(m[1]), reason: 'not allowed to do local OTA' }) },
  { kind: 'ota-allowed', source: 'hubby', needle: 'BentoProduct::LocalOtaAllowed(', pattern: /BentoProduct::LocalOtaAllowed\((\d+), (\d+)\): current version (\d+)/, fields: (m) => ({ imageType: Number(m[1]), versionNumber: m[2], currentVersion: m[3] }) },
  // hubby: download
  { kind: 'download-start', source: 'hubby', needle: 'DeviceUpdater::DownloadFile(', pattern: /DeviceUpdater::DownloadFile\(([^,]+), ([^)]+)\)/, fields: (m) => ({ deviceId: m[1], url: m[2] }) },
  { kind: 'download-done', source: 'hubby', needle: 'DeviceUpdater::CheckMultiInfos(): done: ', pattern: /DeviceUpdater::CheckMultiInfos\(\): done: (\S+) => (\S+) \((\d+)\) (\d+):/, fields: (m) => ({ url: m[1], path: m[2], bytes: Number(m[3]), httpStatus: Number(m[4]) }) },
  { kind: 'download-failed', source: 'hubby', needle: 'DeviceUpdater::DownloadDone(', pattern: /DeviceUpdater::DownloadDone\(([^,]*), ([^)]*)\): error downloading file status=(\S+)/, fields: (m) => ({ url: m[2], reason: `error downloading file status=${m[3]}` }) },
  // hubby: the header and the signature
  { kind: 'validation-failed', source: 'hubby', needle: 'DeviceUpdater::DownloadDone(', pattern: /DeviceUpdater::DownloadDone\(([^,]*), ([^)]*)\): error reading ota image header from file, bytes read (-?\d+)/, fields: (m) => ({ path: m[2], reason: `error reading ota image header, bytes read ${m[3]}`, failedCheck: 'header-read' }) },
  { kind: 'validation-failed', source: 'hubby', needle: 'BentoProduct::LocalOtaComplete(', pattern: /BentoProduct::LocalOtaComplete\(([^)]+)\): image size (\d+) doesn't match value in header (\d+)/, fields: (m) => ({ path: m[1], reason: `image size ${m[2]} doesn't match value in header ${m[3]}`, failedCheck: 'image-size' }) },
  // the virtual board's hubby says why the header was refused (the real one's wording is not public)
  { kind: 'validation-failed', source: 'hubby', origin: 'virtual-board', needle: 'BentoProduct::ValidateOtaHeader(', pattern: /BentoProduct::ValidateOtaHeader\(([^)]+)\): (bad header signature)/, fields: (m) => ({ path: m[1], reason: m[2], failedCheck: 'signature' }) },
  { kind: 'validation-failed', source: 'hubby', origin: 'virtual-board', needle: 'BentoProduct::ValidateOtaHeader(', pattern: /BentoProduct::ValidateOtaHeader\(([^)]+)\): (image sha256 \S+ doesn't match header \S+)/, fields: (m) => ({ path: m[1], reason: m[2], failedCheck: 'sha256' }) },
  { kind: 'validation-failed', source: 'hubby', origin: 'virtual-board', needle: 'BentoProduct::ValidateOtaHeader(', pattern: /BentoProduct::ValidateOtaHeader\(([^)]+)\): (header type ([0-9a-fA-F]{2}), expected 05[\s\S]*)$/, fields: (m) => ({ path: m[1], reason: m[2], failedCheck: 'image-type', imageType: parseInt(m[3], 16) }) },
  { kind: 'validation-failed', source: 'hubby', origin: 'virtual-board', needle: 'BentoProduct::ValidateOtaHeader(', pattern: /BentoProduct::ValidateOtaHeader\(([^)]+)\): ([\s\S]*)$/, fields: (m) => ({ path: m[1], reason: m[2] }) },
  { kind: 'validation-failed', source: 'hubby', needle: 'BentoProduct::HandleValidateOTA(1)', pattern: /BentoProduct::HandleValidateOTA\(1\)/, fields: () => ({ reason: 'HandleValidateOTA(1)' }) },
  { kind: 'image-received', source: 'hubby', needle: 'BentoProduct::LocalOtaComplete(', pattern: /BentoProduct::LocalOtaComplete\((\d+), ([^)]+)\)\s*$/, fields: (m) => ({ imageType: Number(m[1]), path: m[2] }) },
  { kind: 'sha-start', source: 'hubby', needle: 'BentoProduct::LocalOtaComplete(', pattern: /BentoProduct::LocalOtaComplete\(([^)]+)\): generating sha/, fields: (m) => ({ path: m[1] }) },
  { kind: 'sha-generated', source: 'hubby', needle: 'BentoProduct::LocalOtaComplete(', pattern: /BentoProduct::LocalOtaComplete\(([^)]+)\): sha generated ([0-9a-fA-F]{64})/, fields: (m) => ({ path: m[1], sha256: m[2].toLowerCase() }) },
  { kind: 'verify-start', source: 'hubby', needle: 'verify image', pattern: /(?<=(?:^|[\s:])\d? ?)verify image\s*$/ },
  { kind: 'verify-done', source: 'hubby', needle: 'done with OTA update verification', pattern: /done with OTA update verification/ },
  { kind: 'validated', source: 'hubby', needle: 'BentoProduct::HandleValidateOTA(0)', pattern: /BentoProduct::HandleValidateOTA\(0\)/ },
  // attrd: hubby hands the image path to otamgr through attribute 51612
  {
    kind: 'upgrade-path-set',
    source: 'attrd',
    needle: 'client_set_own_attribute:attrId=51612,name=HUBBY_OTA_UPGRADE_PATH,owner=',
    pattern: /client_set_own_attribute:attrId=51612,name=HUBBY_OTA_UPGRADE_PATH,owner=([^,]+),value\[\d+\]=([0-9a-fA-F]+)/,
    fields: (m) => ({ attrId: 51612, owner: m[1], path: hexToText(m[2]) }),
  },
  // otamgr
  { kind: 'otamgr-notified', source: 'otamgr', needle: 'ota_notification:path=', pattern: /ota_notification:path=(\S+)/, fields: (m) => ({ path: m[1] }) },
  { kind: 'otamgr-failed', source: 'otamgr', needle: 'otamgr_cp:ret=', pattern: /otamgr_cp:ret=(-?\d+):header file copy to root failed/, fields: (m) => ({ exitCode: Number(m[1]), reason: 'header file copy to root failed' }) },
  { kind: 'otamgr-failed', source: 'otamgr', needle: 'E system:command returned ', pattern: /(?<=otamgr\[\d+\]: )E system:command returned (-?\d+)/, fields: (m) => ({ exitCode: Number(m[1]), reason: `system command returned ${m[1]}` }) },
  { kind: 'sysupgrade-invoked', source: 'otamgr', needle: 'af_util_system::{ /sbin/sysupgrade ', pattern: /af_util_system::\{ \/sbin\/sysupgrade (\S+); \}/, fields: (m) => ({ path: m[1] }) },
  { kind: 'sysupgrade-missing', source: 'shell', needle: '/sbin/sysupgrade: ', pattern: /\/sbin\/sysupgrade: (?:No such file or directory|not found)/ },
  // sysupgrade: the lab's own, on the virtual board (Afero's scripts log nothing; a partner's
  // script may log its own way: add its lines here as the same kinds)
  { kind: 'install-failed', source: 'sysupgrade', needle: 'sysupgrade', pattern: /sysupgrade(?:\[\d+\])?: (?:E |ERROR:? )([\s\S]*)$/, fields: (m) => ({ reason: m[1] }) },
  { kind: 'install-writing', source: 'sysupgrade', origin: 'virtual-board', needle: ': I writing ', pattern: /(?<=sysupgrade\[\d+\]): I writing (\S+)(?: to (\S+))?/, fields: (m) => ({ path: m[1], ...(m[2] ? { device: m[2] } : {}) }) },
  { kind: 'slot-switched', source: 'sysupgrade', origin: 'virtual-board', needle: ': I boot_part switched', pattern: /(?<=sysupgrade\[\d+\]): I boot_part switched(?: from (\w+) to (\w+))?/, fields: (m) => (m[1] ? { fromPartition: m[1], toPartition: m[2] } : {}) },
  // the BBGW twin, which switches as Afero's BBGW script does (bootpart=0:<N> in uEnv.txt)
  { kind: 'slot-switched', source: 'sysupgrade', origin: 'virtual-board', needle: ': I bootpart switched', pattern: /(?<=sysupgrade\[\d+\]): I bootpart switched(?: from ([\w:]+) to ([\w:]+))?/, fields: (m) => (m[1] ? { fromPartition: m[1], toPartition: m[2] } : {}) },
  // the reboot, as the kernel, init and bootloaders print it
  { kind: 'reboot', source: 'kernel', needle: 'reboot: Restarting system', pattern: /reboot: Restarting system/ },
  { kind: 'reboot', source: 'kernel', needle: 'The system is going down NOW!', pattern: /The system is going down NOW!/ },
  { kind: 'reboot', source: 'kernel', needle: 'Requesting system reboot', pattern: /Requesting system reboot/ },
  { kind: 'bootloader', source: 'bootloader', needle: 'U-Boot ', pattern: /(?<=^\s*)U-Boot (?:SPL )?(\d{4}\.\d{2}\S*)/, fields: (m) => ({ bootloaderVersion: m[1] }) },
  { kind: 'bootloader', source: 'bootloader', needle: 'AT91Bootstrap ', pattern: /AT91Bootstrap (\S+)/, fields: (m) => ({ bootloaderVersion: `AT91Bootstrap ${m[1]}` }) },
  // the virtual board's boot script (boards/virtual/boot.cmd): U-Boot's bootcount ran out
  { kind: 'bootloader-rollback', source: 'bootloader', origin: 'virtual-board', needle: 'ota-hil: boot_part ', pattern: /ota-hil: boot_part (\w+) failed (\d+) times: rolling back/, fields: (m) => ({ fromPartition: m[1], failedBoots: Number(m[2]) }) },
  { kind: 'kernel-boot', source: 'kernel', needle: 'Linux version ', pattern: /Linux version (\d+\.\d+\S*) \(/, fields: (m) => ({ kernelVersion: m[1] }) },
  { kind: 'running-version', source: 'hubby', needle: 'BentoProduct::BentoProduct(): running hub version ', pattern: /BentoProduct::BentoProduct\(\): running hub version (\d+)/, fields: (m) => ({ versionNumber: m[1] }) },
];

export const catalog: readonly CatalogEntry[] = entries.map((e) => ({ ...e, pattern: new RegExp(e.pattern.source, 'y') }));

/** The entry's match in a line (already cut to MAX_MATCHED_LINE), or null. */
export function matchEntry(entry: CatalogEntry, line: string): RegExpExecArray | null {
  let at = line.indexOf(entry.needle);
  for (let tries = 0; at >= 0 && tries < MAX_TRIES; tries++) {
    entry.pattern.lastIndex = at;
    const m = entry.pattern.exec(line);
    if (m) return m;
    at = line.indexOf(entry.needle, at + 1);
  }
  return null;
}

/** Kinds that end an OTA attempt unsuccessfully: a wait for anything else fails when one arrives. */
export const failureKinds: readonly OtaEventKind[] = ['ota-refused', 'download-failed', 'validation-failed', 'otamgr-failed', 'sysupgrade-missing', 'install-failed'];
