// The lines the OTA job is followed by: hubby, attrd, otamgr and sysupgrade as logged on a real
// Afero board (see docs/log-events.md for the source of each), plus the bootloader and kernel
// banners that show a reboot happened. Each pattern is matched anywhere in a line, so a console
// prompt or a syslog prefix before it does not matter.

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
  'install-failed',
  'reboot',
  'bootloader',
  'kernel-boot',
  'running-version',
] as const;

export type OtaEventKind = (typeof otaEventKinds)[number];

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
  attrId?: number;
  owner?: string;
  exitCode?: number;
  bootloaderVersion?: string;
  kernelVersion?: string;
}

export interface CatalogEntry {
  kind: OtaEventKind;
  /** Where the line comes from, for the docs and for reading a failure. */
  source: 'hubby' | 'attrd' | 'otamgr' | 'sysupgrade' | 'shell' | 'bootloader' | 'kernel' | 'init';
  pattern: RegExp;
  fields?: (m: RegExpExecArray) => OtaEventFields;
}

function hexToText(hex: string): string {
  return Buffer.from(hex, 'hex').toString('latin1').replace(/\0+$/, '');
}

/** Earlier entries win: failure forms come before the success forms they resemble. */
export const catalog: readonly CatalogEntry[] = [
  // hubby: may this image be installed?
  { kind: 'ota-refused', source: 'hubby', pattern: /BentoProduct::LocalOtaAllowed\((\d+), (\d+)\): (unsupported image type|.*not newer.*|.*not allowed.*)$/, fields: (m) => ({ imageType: Number(m[1]), versionNumber: m[2], reason: m[3] }) },
  { kind: 'ota-refused', source: 'hubby', pattern: /HubConclave::HandleDeviceOta\((\d+), (\d+), ([^)]*)\): not allowed to do local OTA/, fields: (m) => ({ imageType: Number(m[1]), reason: 'not allowed to do local OTA' }) },
  { kind: 'ota-allowed', source: 'hubby', pattern: /BentoProduct::LocalOtaAllowed\((\d+), (\d+)\): current version (\d+)/, fields: (m) => ({ imageType: Number(m[1]), versionNumber: m[2], currentVersion: m[3] }) },
  // hubby: download
  { kind: 'download-start', source: 'hubby', pattern: /DeviceUpdater::DownloadFile\(([^,]+), ([^)]+)\)/, fields: (m) => ({ deviceId: m[1], url: m[2] }) },
  { kind: 'download-done', source: 'hubby', pattern: /DeviceUpdater::CheckMultiInfos\(\): done: (\S+) => (\S+) \((\d+)\) (\d+):/, fields: (m) => ({ url: m[1], path: m[2], bytes: Number(m[3]), httpStatus: Number(m[4]) }) },
  { kind: 'download-failed', source: 'hubby', pattern: /DeviceUpdater::DownloadDone\(([^,]*), ([^)]*)\): error downloading file status=(\S+)/, fields: (m) => ({ url: m[2], reason: `error downloading file status=${m[3]}` }) },
  // hubby: the header and the signature
  { kind: 'validation-failed', source: 'hubby', pattern: /DeviceUpdater::DownloadDone\(([^,]*), ([^)]*)\): error reading ota image header from file, bytes read (-?\d+)/, fields: (m) => ({ path: m[2], reason: `error reading ota image header, bytes read ${m[3]}` }) },
  { kind: 'validation-failed', source: 'hubby', pattern: /BentoProduct::LocalOtaComplete\(([^)]+)\): image size (\d+) doesn't match value in header (\d+)/, fields: (m) => ({ path: m[1], reason: `image size ${m[2]} doesn't match value in header ${m[3]}` }) },
  // the virtual board's hubby says why the header was refused (the real one's wording is not public)
  { kind: 'validation-failed', source: 'hubby', pattern: /BentoProduct::ValidateOtaHeader\(([^)]+)\): (.*)$/, fields: (m) => ({ path: m[1], reason: m[2] }) },
  { kind: 'validation-failed', source: 'hubby', pattern: /BentoProduct::HandleValidateOTA\(1\)/, fields: () => ({ reason: 'HandleValidateOTA(1)' }) },
  { kind: 'image-received', source: 'hubby', pattern: /BentoProduct::LocalOtaComplete\((\d+), ([^)]+)\)\s*$/, fields: (m) => ({ imageType: Number(m[1]), path: m[2] }) },
  { kind: 'sha-start', source: 'hubby', pattern: /BentoProduct::LocalOtaComplete\(([^)]+)\): generating sha/, fields: (m) => ({ path: m[1] }) },
  { kind: 'sha-generated', source: 'hubby', pattern: /BentoProduct::LocalOtaComplete\(([^)]+)\): sha generated ([0-9a-fA-F]{64})/, fields: (m) => ({ path: m[1], sha256: m[2].toLowerCase() }) },
  { kind: 'verify-start', source: 'hubby', pattern: /(?:^|[\s:])\d? ?verify image\s*$/ },
  { kind: 'verify-done', source: 'hubby', pattern: /done with OTA update verification/ },
  { kind: 'validated', source: 'hubby', pattern: /BentoProduct::HandleValidateOTA\(0\)/ },
  // attrd: hubby hands the image path to otamgr through attribute 51612
  {
    kind: 'upgrade-path-set',
    source: 'attrd',
    pattern: /client_set_own_attribute:attrId=51612,name=HUBBY_OTA_UPGRADE_PATH,owner=([^,]+),value\[\d+\]=([0-9a-fA-F]+)/,
    fields: (m) => ({ attrId: 51612, owner: m[1], path: hexToText(m[2]) }),
  },
  // otamgr
  { kind: 'otamgr-notified', source: 'otamgr', pattern: /ota_notification:path=(\S+)/, fields: (m) => ({ path: m[1] }) },
  { kind: 'otamgr-failed', source: 'otamgr', pattern: /otamgr_cp:ret=(-?\d+):header file copy to root failed/, fields: (m) => ({ exitCode: Number(m[1]), reason: 'header file copy to root failed' }) },
  { kind: 'otamgr-failed', source: 'otamgr', pattern: /otamgr\[\d+\]: E system:command returned (-?\d+)/, fields: (m) => ({ exitCode: Number(m[1]), reason: `system command returned ${m[1]}` }) },
  { kind: 'sysupgrade-invoked', source: 'otamgr', pattern: /af_util_system::\{ (\/sbin\/sysupgrade) (\S+); \}/, fields: (m) => ({ path: m[2] }) },
  { kind: 'sysupgrade-missing', source: 'shell', pattern: /\/sbin\/sysupgrade: (?:No such file or directory|not found)/ },
  // sysupgrade (the lab's own, on the virtual board; a partner's script may log its own way)
  { kind: 'install-failed', source: 'sysupgrade', pattern: /sysupgrade(?:\[\d+\])?: (?:E |ERROR:? )(.*)$/, fields: (m) => ({ reason: m[1] }) },
  // the reboot, as the kernel, init and bootloaders print it
  { kind: 'reboot', source: 'kernel', pattern: /reboot: Restarting system|The system is going down NOW!|Requesting system reboot/ },
  { kind: 'bootloader', source: 'bootloader', pattern: /^\s*U-Boot (?:SPL )?(\d{4}\.\d{2}\S*)/, fields: (m) => ({ bootloaderVersion: m[1] }) },
  { kind: 'bootloader', source: 'bootloader', pattern: /AT91Bootstrap (\S+)/, fields: (m) => ({ bootloaderVersion: `AT91Bootstrap ${m[1]}` }) },
  { kind: 'kernel-boot', source: 'kernel', pattern: /Linux version (\d+\.\d+\S*) \(/, fields: (m) => ({ kernelVersion: m[1] }) },
  { kind: 'running-version', source: 'hubby', pattern: /BentoProduct::BentoProduct\(\): running hub version (\d+)/, fields: (m) => ({ versionNumber: m[1] }) },
];

/** Kinds that end an OTA attempt unsuccessfully: a wait for anything else fails when one arrives. */
export const failureKinds: readonly OtaEventKind[] = ['ota-refused', 'download-failed', 'validation-failed', 'otamgr-failed', 'sysupgrade-missing', 'install-failed'];
