import { test } from '../harness/fixtures.ts';
import { noteState, publish, update, expectUpdated, push, expectRefusal, expectUnchanged, inPhase } from '../harness/suite/ota-flow.ts';

// Scenario 2: damaged downloads (the lab service damages them on purpose) must each be refused
// with the matching failure line, no sysupgrade call, and nothing changed; after all of them the
// next good update still works.

// The check each damage must fail, as the validation-failed event names it (docs/log-events.md).
const damages = [
  { fault: 'flip-body-byte', check: 'sha256' },
  { fault: 'flip-signature-byte', check: 'signature' },
  { fault: 'truncate', check: 'image-size' },
  { fault: 'wrong-type-byte', check: 'image-type', imageType: 6 },
] as const;

test('tampered images are refused with nothing changed; the next good update works', async ({ board, lab }) => {
  test.skip(!lab.canDamageDownloads, 'this OTA service cannot damage downloads (the lab service can: its partner-ota-conf.json says "labService": true)');
  const before = await noteState(board, { sentinel: true });
  for (const d of damages) {
    await test.step(`${d.fault} is refused`, async () => {
      const image = await publish(board, lab, 'rootfs', d.fault);
      await push(board, lab, image, d.fault);
      const ev = await expectRefusal(board, 'validation-failed', board.profile.timeouts.download + board.profile.timeouts.validate);
      await inPhase(board, 'the refusal names the check', board.profile.timeouts.command, async () => {
        test.expect(ev.fields.failedCheck, `the check failed, from: ${ev.line}`).toBe(d.check);
        if ('imageType' in d) test.expect(ev.fields.imageType, `the image type refused, from: ${ev.line}`).toBe(d.imageType);
      });
      await expectUnchanged(board, before);
    });
  }
  const good = await publish(board, lab, 'rootfs', 'good update after tampered ones');
  await update(board, lab, good);
  await expectUpdated(board, before, good);
});
