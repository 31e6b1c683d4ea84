import crypto from 'node:crypto';

// The 216-byte header the OTA service puts in front of an image on its way to a device. Byte 0
// is the image type, as on Afero's boards; the rest is this project's own layout (Afero's is not
// public), documented in docs/ota-header.md. The signature is ECDSA P-256 with SHA-256, like the
// boards' ATECC508A, in DER so that a device can check it with `openssl dgst -verify`.

export const HEADER_SIZE = 216;
export const SIGNED_SIZE = 60;
export const LAYOUT_VERSION = 1;
export const ALG_ECDSA_P256_SHA256 = 1;
export const MAX_SIGNATURE = 72;
export const IMAGE_TYPE_FULL = 5;

export interface HeaderFields {
  imageType: number;
  versionNumber: bigint;
  imageSize: bigint;
  /** SHA-256 of the image (without header), 32 bytes. */
  sha256: Buffer;
}

export interface ParsedHeader extends HeaderFields {
  layout: number;
  algorithm: number;
  keyId: Buffer;
  signature: Buffer;
  signedBytes: Buffer;
}

export class HeaderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HeaderError';
  }
}

/** First 8 bytes of SHA-256 of the public key (SubjectPublicKeyInfo, DER): names the signing key. */
export function keyIdOf(publicKey: crypto.KeyObject): Buffer {
  return crypto.createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest().subarray(0, 8);
}

export function signHeader(fields: HeaderFields, privateKey: crypto.KeyObject): Buffer {
  if (fields.sha256.length !== 32) throw new HeaderError(`sha256: expected 32 bytes, found ${fields.sha256.length}`);
  if (fields.imageType < 0 || fields.imageType > 255) throw new HeaderError(`imageType: expected 0-255, found ${fields.imageType}`);
  const h = Buffer.alloc(HEADER_SIZE);
  h.writeUInt8(fields.imageType, 0);
  h.writeUInt8(LAYOUT_VERSION, 1);
  h.writeUInt8(ALG_ECDSA_P256_SHA256, 2);
  h.writeBigUInt64BE(fields.versionNumber, 4);
  h.writeBigUInt64BE(fields.imageSize, 12);
  fields.sha256.copy(h, 20);
  keyIdOf(crypto.createPublicKey(privateKey)).copy(h, 52);
  const sig = crypto.sign('sha256', h.subarray(0, SIGNED_SIZE), { key: privateKey, dsaEncoding: 'der' });
  if (sig.length > MAX_SIGNATURE) throw new HeaderError(`signature of ${sig.length} bytes does not fit`);
  h.writeUInt8(sig.length, 60);
  sig.copy(h, 61);
  return h;
}

export function parseHeader(h: Buffer): ParsedHeader {
  if (h.length < HEADER_SIZE) throw new HeaderError(`header: expected ${HEADER_SIZE} bytes, found ${h.length}`);
  const sigLen = h.readUInt8(60);
  if (sigLen === 0 || sigLen > MAX_SIGNATURE) throw new HeaderError(`header: signature length ${sigLen} is not 1-${MAX_SIGNATURE}`);
  return {
    imageType: h.readUInt8(0),
    layout: h.readUInt8(1),
    algorithm: h.readUInt8(2),
    versionNumber: h.readBigUInt64BE(4),
    imageSize: h.readBigUInt64BE(12),
    sha256: Buffer.from(h.subarray(20, 52)),
    keyId: Buffer.from(h.subarray(52, 60)),
    signature: Buffer.from(h.subarray(61, 61 + sigLen)),
    signedBytes: Buffer.from(h.subarray(0, SIGNED_SIZE)),
  };
}

/** Checks the header's layout, key and signature; returns the parsed fields. Throws HeaderError naming what is wrong. */
export function verifyHeader(h: Buffer, publicKey: crypto.KeyObject, expectType = IMAGE_TYPE_FULL): ParsedHeader {
  const p = parseHeader(h);
  if (p.imageType !== expectType) throw new HeaderError(`header: image type ${p.imageType}, expected ${expectType}`);
  if (p.layout !== LAYOUT_VERSION) throw new HeaderError(`header: layout ${p.layout}, expected ${LAYOUT_VERSION}`);
  if (p.algorithm !== ALG_ECDSA_P256_SHA256) throw new HeaderError(`header: signature algorithm ${p.algorithm}, expected ${ALG_ECDSA_P256_SHA256} (ECDSA P-256)`);
  if (!p.keyId.equals(keyIdOf(publicKey))) throw new HeaderError(`header: signed by key ${p.keyId.toString('hex')}, expected ${keyIdOf(publicKey).toString('hex')}`);
  if (!crypto.verify('sha256', p.signedBytes, { key: publicKey, dsaEncoding: 'der' }, p.signature)) throw new HeaderError('header: bad signature');
  return p;
}

/** Checks a whole downloaded file (header + image). */
export function verifyImage(file: Buffer, publicKey: crypto.KeyObject): ParsedHeader {
  const p = verifyHeader(file.subarray(0, HEADER_SIZE), publicKey);
  const body = file.subarray(HEADER_SIZE);
  if (BigInt(body.length) !== p.imageSize) throw new HeaderError(`image size ${body.length} doesn't match value in header ${p.imageSize}`);
  const sha = crypto.createHash('sha256').update(body).digest();
  if (!sha.equals(p.sha256)) throw new HeaderError(`image sha256 ${sha.toString('hex')} doesn't match header ${p.sha256.toString('hex')}`);
  return p;
}
