import { loadProfile } from '../board/load-profile.ts';
import { ProfileError } from '../board/profile-error.ts';

/** `hil profile check FILE...`: loads each profile with the lab's values; prints what is wrong. */
export async function checkProfilesCommand(files: string[]): Promise<number> {
  let bad = 0;
  for (const file of files) {
    try {
      const { profile, overriddenBy } = await loadProfile(file);
      const from = overriddenBy.length ? ` (lab values from ${overriddenBy.join(', ')})` : '';
      process.stdout.write(`${file}: ok: ${profile.name}, serial ${profile.serial.port}, ssh ${profile.ssh.user}@${profile.ssh.host}:${profile.ssh.port}, deviceId ${profile.deviceId}${from}\n`);
    } catch (e) {
      if (!(e instanceof ProfileError)) throw e;
      bad++;
      process.stderr.write(`${e.message}\n`);
    }
  }
  return bad ? 2 : 0;
}
