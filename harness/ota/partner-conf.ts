import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { describeValue } from '../secrets.ts';

// partner-ota-conf.json, as Afero's Python tools read it, plus an optional baseUrl: absent, the
// tools talk to the lab OTA service; "https://api.afero.io" reaches Afero's cloud. And an optional
// labService: true when the service is the lab's (it writes it into the conf it makes), which can
// damage a download on purpose; Afero's cloud cannot.

export const LAB_SERVICE_URL = 'http://127.0.0.1:8480';

const confSchema = z.looseObject({
  description: z.string({ error: 'expected a string' }).max(500, { error: 'expected at most 500 characters' }).default(''),
  name: z.string({ error: 'expected the image name (a string)' }).min(1, { error: 'expected a non-empty name' }).max(35, { error: 'expected at most 35 characters' }),
  version: z.string({ error: 'expected the friendly version ("1.0")' }).min(1),
  url: z.string().optional(),
  username: z.string({ error: 'expected the account user name' }).min(1),
  userpw: z.string({ error: 'expected the account password' }).min(1, { error: 'expected a non-empty password' }),
  'auth-string': z.string({ error: 'expected the base64 "clientId:clientSecret" auth string' }).regex(/^[A-Za-z0-9+/]+=*$/, { error: 'expected base64 text' }),
  deviceTypeId: z.string({ error: 'expected the deviceTypeId' }).min(1),
  partnerId: z.string({ error: 'expected the partnerId' }).min(1),
  imageFiles: z.looseObject({ A: z.string({ error: 'expected the image file name ("hub_update.bin")' }).min(1) }, { error: 'expected {"A": "hub_update.bin"}' }),
  baseUrl: z
    .url({ error: 'expected an http(s) URL', protocol: /^https?$/ })
    .refine((u) => !/^[a-z]+:\/\/[^/?#]*@/i.test(u), { error: 'expected a URL without user:password@ (the account goes in username and userpw)' })
    .default(LAB_SERVICE_URL),
  labService: z.boolean({ error: 'expected true (the lab OTA service) or false' }).optional(),
}, { error: 'expected an object' });

export type PartnerConf = z.output<typeof confSchema> & { file: string; dir: string };

export class ConfError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfError';
  }
}

/** Reads and checks the conf; errors name the file and field, never a secret's value. */
export function loadPartnerConf(file: string): PartnerConf {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfError(`${file}: cannot read the OTA configuration: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new ConfError(`${file}: not valid JSON: ${(e as Error).message}`);
  }
  const r = confSchema.safeParse(data, { reportInput: true });
  if (!r.success) {
    const lines = r.error.issues.map((i) => {
      const field = i.path.join('.') || '(top level)';
      const input = (i as { input?: unknown }).input;
      // The whole file is never shown (it holds the password), nor any value of a secret field.
      const found = input === undefined ? 'missing' : i.path.length === 0 && typeof input === 'string' ? 'found a string' : `found ${describeValue(input, i.path)}`;
      return `${field}: ${i.message.startsWith('Invalid') ? `expected ${(i as { expected?: string }).expected ?? 'another value'}` : i.message}, ${found}`;
    });
    throw new ConfError(`${file}: ${lines.join('; ')}`);
  }
  return { ...r.data, baseUrl: r.data.baseUrl.replace(/\/+$/, ''), file, dir: path.dirname(path.resolve(file)) };
}
