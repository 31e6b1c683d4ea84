import path from 'node:path';
import { z } from 'zod';
import { parseSerialAddress } from '../console/transport.ts';
import { MAX_TIMER_MS } from '../wait/deadline.ts';
import { powerSchema } from '../power/drivers/registry.ts';

// What a board profile holds, and what each field must look like. A profile describes a board
// type; the lab's own values (serial device, address, deviceId, key) come from the inventory or
// the environment (see inventory.ts) and are checked by the same schema once merged.

const ms = (what: string) =>
  z
    .number({ error: `expected ${what} in ms (a positive whole number)` })
    .int({ error: `expected ${what} in ms (a whole number)` })
    .positive({ error: `expected ${what} in ms, above 0` })
    .max(MAX_TIMER_MS, { error: `expected ${what} in ms, at most ${MAX_TIMER_MS} (about 24.8 days; Node fires a longer timer at once)` });

/** A string with something in it besides blanks ("  " as a host would fail only at connect time). */
const nonBlank = (what: string, expected: string) => z.string({ error: expected }).min(1, { error: `expected a non-empty ${what}` }).regex(/\S/, { error: `expected a non-blank ${what}` });

/** Each item once: a duplicate is a copy-paste slip that would double a check or hide a missing item. */
function unique<T>(key: (v: T) => string, what: string) {
  return (items: T[], ctx: z.RefinementCtx) => {
    const seen = new Map<string, number>();
    for (const v of items) seen.set(key(v), (seen.get(key(v)) ?? 0) + 1);
    const twice = [...seen].filter(([, n]) => n > 1).map(([k, n]) => `${k} ${n === 2 ? 'twice' : `${n} times`}`);
    if (twice.length) ctx.addIssue({ code: 'custom', message: `expected each ${what} once`, input: items, params: { found: twice.join(', ') } });
  };
}

/** Two fields that must differ (the A and B slots): the issue goes on B. */
function distinctAB<T extends { A: string; B: string }>(what: string, shown: (v: string) => string) {
  return (v: T, ctx: z.RefinementCtx) => {
    if (v.A === v.B) ctx.addIssue({ code: 'custom', path: ['B'], message: `expected a ${what} other than ${shown(v.A)}`, input: v.B });
  };
}

const regexSource = z
  .string({ error: 'expected a regular expression (as a string)' })
  .min(1, { error: 'expected a non-empty regular expression' })
  .refine(
    (s) => {
      try {
        new RegExp(s, 'm');
        return true;
      } catch {
        return false;
      }
    },
    { error: 'expected a valid regular expression' },
  );

const absolutePath = (what: string) => z.string({ error: `expected ${what} (an absolute path)` }).regex(/^\//, { error: `expected ${what} to be an absolute path` });

const serialSchema = z.strictObject({
  port: z
    .string({ error: 'expected the serial device path (/dev/ttyUSB0) or host:port of a ser2net raw TCP port' })
    .refine(
      (s) => {
        try {
          parseSerialAddress(s);
          return true;
        } catch {
          return false;
        }
      },
      { error: 'expected a device path (/dev/ttyUSB0) or host:port of a ser2net raw TCP port' },
    ),
  baud: z.union([z.literal(9600), z.literal(19200), z.literal(38400), z.literal(57600), z.literal(115200), z.literal(230400), z.literal(460800), z.literal(921600)], {
    error: 'expected a standard baud rate (115200, 57600, ...)',
  }).default(115200),
  /** Pause between characters sent (U-Boot drops fast input on some boards). */
  charDelayMs: z.number({ error: 'expected a delay in ms' }).min(0).max(1000, { error: 'expected at most 1000 ms' }).default(0),
});

const passwordSource = z.union([z.strictObject({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/) }), z.strictObject({ file: z.string().min(1) }), z.strictObject({ none: z.literal(true) })], {
  error: 'expected one of {env: "VARIABLE"}, {file: "/path/to/password"} or {none: true} (the password itself never goes in a profile)',
});

const loginSchema = z.strictObject({
  user: nonBlank('user name', 'expected the login user name'),
  password: passwordSource,
  loginPrompt: regexSource.default('login: *$'),
  passwordPrompt: regexSource.default('[Pp]assword: *$'),
  shellPrompt: regexSource.default('[#$] *$'),
});

const sshSchema = z.strictObject({
  host: nonBlank('host', "expected the board's SSH host name or address"),
  port: z.number({ error: 'expected a TCP port number' }).int().min(1, { error: 'expected a port from 1 to 65535' }).max(65535, { error: 'expected a port from 1 to 65535' }).default(22),
  user: nonBlank('user name', 'expected the SSH user name'),
  privateKey: nonBlank('key path', 'expected the path of the SSH private key file'),
  hostKeyFingerprint: z
    .string({ error: 'expected the pinned host key fingerprint ("SHA256:...", as `ssh-keygen -l -E sha256 -f KEY.pub` prints it)' })
    .regex(/^SHA256:[A-Za-z0-9+/]{43}$/, { error: 'expected "SHA256:" and 43 base64 characters, as `ssh-keygen -l -E sha256` prints it' }),
});

// Equal values could never tell the slots apart: every check of the switch would pass or fail.
const slotValues = z.strictObject({ A: z.string().min(1), B: z.string().min(1) }).superRefine(distinctAB('value', (a) => `values.A (${JSON.stringify(a)})`));

const activeSlotSchema = z.discriminatedUnion(
  'method',
  [
    // root= on the kernel command line names the slot device.
    z.strictObject({ method: z.literal('cmdline') }),
    // A U-Boot environment variable (fw_printenv) holds the slot.
    z.strictObject({ method: z.literal('fw_printenv'), variable: z.string().min(1), values: slotValues }),
    // uEnv.txt on the boot partition (Afero's BBGW script: bootpart=0:3 / 0:4).
    z.strictObject({ method: z.literal('uenv'), bootPartition: absolutePath('the boot partition device'), file: z.string().min(1).default('uEnv.txt'), variable: z.string().min(1).default('bootpart'), values: slotValues }),
  ],
  { error: 'expected method "cmdline", "fw_printenv" or "uenv"' },
);

const slotsSchema = z
  .strictObject({
    A: absolutePath('the device of rootfs slot A'),
    B: absolutePath('the device of rootfs slot B'),
    active: activeSlotSchema,
  })
  .superRefine(distinctAB('device', (a) => `slots.A (${a})`));

/** A user-data path as the board sees it: /afero_nv/ and /afero_nv/../afero_nv are /afero_nv. */
const normalPath = (p: string) => path.posix.normalize(p).replace(/(.)\/+$/, '$1');

// The root is the file system an update replaces: it cannot be data that must survive one.
const userDataPath = absolutePath('a user-data path').refine((p) => normalPath(p) !== '/', { error: 'expected a user-data path other than / (an update replaces the root file system)' });

export const capabilityNames = ['power-cut', 'rollback'] as const;

export const boardProfileSchema = z.strictObject({
  /** The board type; also the prefix of its environment overrides (HIL_SAMA5D2_...). */
  name: z.string({ error: 'expected the board name' }).regex(/^[a-z][a-z0-9-]*$/, { error: 'expected a lower-case name (letters, digits, dashes)' }),
  description: z.string().default(''),
  /** The Afero deviceId the OTA service pushes to (16 hex digits). */
  deviceId: z.string({ error: 'expected the board\'s Afero deviceId (16 hex digits)' }).regex(/^[0-9a-f]{16}$/, { error: 'expected 16 lower-case hex digits' }),
  serial: serialSchema,
  login: loginSchema,
  ssh: sshSchema,
  slots: slotsSchema,
  /** Where user data lives; it must survive every update. */
  userData: z
    .array(userDataPath, { error: 'expected a list of user-data paths' })
    .min(1, { error: 'expected at least one user-data path (/afero_nv)' })
    .superRefine(unique(normalPath, 'path')),
  logs: z.strictObject({
    /** Streams the daemon logs, new lines only: `tail -n0 -F /var/log/messages`, `logread -f`, `journalctl -f -n0`. */
    command: z.string({ error: 'expected the command that streams the daemon logs' }).min(1),
    /**
     * Streams this boot's log lines from its start, then new ones; used at the first login after a
     * boot, so that lines written before anyone could log in (hubby's start) are seen too:
     * `tail -n +1 -F /var/log/messages` where /var/log is volatile, `journalctl -b -f -n all`.
     * Required: without it, hubby's start line after an update cannot be seen.
     */
    sinceBootCommand: z.string({ error: "expected the command that streams this boot's daemon log from its start (e.g. tail -n +1 -F /var/log/messages)" }).min(1),
    /** Logs a marker the command will print ({marker} is replaced), to know the follower is running. */
    readyProbe: z.string().includes('{marker}', { error: 'expected a command containing {marker}' }).default('logger -t ota-hil {marker}'),
  }),
  /** The power driver and its parameters: one of the registry's (harness/power/drivers/), chosen by `driver`. */
  power: powerSchema.default({ driver: 'none' }),
  capabilities: z
    .array(z.enum(capabilityNames, { error: `expected one of ${capabilityNames.join(', ')}` }))
    .superRefine(unique(String, 'capability'))
    .default([]),
  timeouts: z.strictObject({
    boot: ms('the boot time budget'),
    download: ms('the download time budget'),
    validate: ms('the validation time budget'),
    install: ms('the install time budget'),
    reboot: ms('the reboot time budget'),
    confirm: ms('the confirmation time budget'),
    /** hubby's handoff to otamgr and the sysupgrade call (seconds on every board seen). */
    handoff: ms('the handoff time budget').default(60_000),
    /** Making an image for a new OTA record and uploading it (the partner's build may be long). */
    publish: ms('the publish time budget').default(30 * 60_000),
    /** Logging in on the console once the login prompt is there (a slow PAM, a first-boot key generation). */
    login: ms('the console login time budget').default(60_000),
    /** One command over SSH or on the console (a check, the data manifest of the user-data files). */
    command: ms('the time budget of one command').default(60_000),
    /** The log follower printing its readiness marker (busybox tail reads once a second). */
    followerReady: ms('the log follower readiness budget').default(20_000),
  }),
});

/** A validated profile, with defaults filled in. */
export type BoardProfile = z.output<typeof boardProfileSchema>;

type DeepPartial<T> = T extends readonly (infer U)[] ? readonly U[] : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

/** What a profile file exports: lab-specific fields may be left to the inventory. */
export type BoardProfileSource = DeepPartial<z.input<typeof boardProfileSchema>> & { name: string };

/** Typed identity for profile files: `export default defineProfile({...})`. */
export function defineProfile(p: BoardProfileSource): BoardProfileSource {
  return p;
}
