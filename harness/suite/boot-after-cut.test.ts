import { test, expect } from '@playwright/test';
import { LabFault, ProductFailure, WaitTimeoutError } from '../errors.ts';
import type { OtaEvent } from '../logs/parse.ts';
import { noShellAfterCut } from './boot-after-cut.ts';

const timeout = () => new WaitTimeoutError({ awaited: 'the login prompt', where: 'virtual serial console', timeoutMs: 90_000, phase: 'cut 12.00 s into the install', lastLines: ['ota-hil: cannot boot bootpart 0:3; resetting'] });
const uboot: OtaEvent = { kind: 'bootloader', line: 'U-Boot 2023.01', lineNo: 1, fields: {} };
const kernel: OtaEvent = { kind: 'kernel-boot', line: '[    0.000000] Linux version 6.1.0', lineNo: 2, fields: {} };

test('a board that starts after the cut but reaches no login prompt is a product failure, naming its last start and its last lines', () => {
  const e = noShellAfterCut(timeout(), [uboot, kernel, uboot]);
  expect(e).toBeInstanceOf(ProductFailure);
  const m = (e as Error).message;
  expect(m).toContain('[cut 12.00 s into the install] after the power cut the board started (3 bootloader or kernel starts; last: "U-Boot 2023.01") but reached no login prompt in 90.0 s');
  expect(m).toContain('| ota-hil: cannot boot bootpart 0:3; resetting');
  expect(m.endsWith('Failure class: product failure'), 'one class line, the product\'s').toBe(true);
  expect((e as ProductFailure).phase).toBe('cut 12.00 s into the install');
});

test('a console silent since power-on stays a lab fault, and other errors pass through unchanged', () => {
  const t = timeout();
  expect(noShellAfterCut(t, [])).toBe(t);
  expect(noShellAfterCut(t, [{ kind: 'reboot', line: 'reboot: Restarting system', lineNo: 3, fields: {} }])).toBe(t);
  const other = new LabFault('ssh: connection refused');
  expect(noShellAfterCut(other, [uboot])).toBe(other);
});
