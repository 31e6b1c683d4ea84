import { createHash } from 'node:crypto';

/** OpenSSH's SHA256 fingerprint of a public key blob, as `ssh-keygen -l` prints it ("SHA256:..." without padding). */
export function sshFingerprint(publicKeyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(publicKeyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The fingerprint of an OpenSSH public key line ("ecdsa-sha2-nistp256 AAAA... comment"). */
export function fingerprintOfPublicKeyLine(line: string): string {
  const blob = line.trim().split(/\s+/)[1];
  if (!blob) throw new Error(`not an OpenSSH public key line: "${line.slice(0, 40)}"`);
  return sshFingerprint(Buffer.from(blob, 'base64'));
}
