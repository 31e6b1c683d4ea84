import { loadProfile, profileWarnings } from '../board/load-profile.ts';
import { ProfileError } from '../board/profile-error.ts';

/**
 * `hil profile check FILE...`: loads each profile with the lab's values; prints what is wrong
 * (exit 2), and warns about what a run on this machine would miss (the password's variable or
 * file, the SSH key file) without failing: the check may run where the run does not.
 */
export async function checkProfilesCommand(files: string[], o: { timeout?: string } = {}): Promise<number> {
  let bad = 0;
  for (const file of files) {
    try {
      const { profile, overriddenBy } = await loadProfile(file, o.timeout ? { loadTimeoutMs: Number(o.timeout) * 1000 } : {});
      const from = overriddenBy.length ? ` (lab values from ${overriddenBy.join(', ')})` : '';
      process.stdout.write(`${file}: ok: ${profile.name}, serial ${profile.serial.port}, ssh ${profile.ssh.user}@${profile.ssh.host}:${profile.ssh.port}, deviceId ${profile.deviceId}${from}\n`);
      for (const w of profileWarnings(profile)) process.stderr.write(`${file}: warning: ${w}\n`);
    } catch (e) {
      if (!(e instanceof ProfileError)) throw e;
      bad++;
      process.stderr.write(`${e.message}\n`);
    }
  }
  return bad ? 2 : 0;
}
