import { test, expect } from '@playwright/test';
import { describeValue, isSecretPath, redact, redactUrl } from './secrets.ts';

test('redact takes out given secrets, URL credentials, Basic/Bearer values and secret-named fields', () => {
  const text = [
    'login with s3cr3t-pw failed',
    'at http://lab:s3cr3t-pw@10.0.0.1:8480/oauth/token',
    'authorization: Basic QUJDOkRFRg== and Bearer eyJhbGciOi.x-y_z',
    '{"username": "lab", "userpw": "hunter22", "auth-string": "QUJD", "name": "hub"}',
    'username=lab&password=hunter22&grant_type=password',
  ].join('\n');
  const out = redact(text, ['s3cr3t-pw', '', undefined, 'ab']);
  for (const s of ['s3cr3t-pw', 'QUJDOkRFRg==', 'eyJhbGciOi', 'hunter22', '"QUJD"']) expect(out).not.toContain(s);
  expect(out).toContain('"username": "lab"');
  expect(out).toContain('"name": "hub"');
  expect(out).toContain('grant_type=password');
  expect(out).toContain('http://<redacted>@10.0.0.1:8480/oauth/token');
  // Short "secrets" are not blanked out of ordinary text.
  expect(redact('a table', ['ab'])).toBe('a table');
});

test('a URL loses only its user:password@', () => {
  expect(redactUrl('https://u:p@api.afero.io/v1?x=1')).toBe('https://<redacted>@api.afero.io/v1?x=1');
  expect(redactUrl('http://127.0.0.1:8480')).toBe('http://127.0.0.1:8480');
});

test('describeValue shows shapes, not contents, and nothing of a secret field', () => {
  expect(describeValue({ userpw: 'x', name: 'y' })).toBe('an object with userpw, name');
  expect(describeValue(['hunter22'])).toBe('a list of 1');
  expect(describeValue('hunter22', ['login', 'password'])).toBe('a value that is not shown (a string: it may be a secret)');
  expect(describeValue('^login: $', ['login', 'passwordPrompt'])).toBe('"^login: $" (a string)');
  expect(isSecretPath(['auth-string'])).toBe(true);
  expect(isSecretPath(['ssh', 'privateKey'])).toBe(false);
});
