import { test, expect } from '@playwright/test';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { hil, projectRoot, scratchDir } from './spawn-hil.ts';
import { vboardRunDir } from '../vboard/run-state.ts';

// Every failure of `hil` says on stderr what was wrong (the option or file, and what was
// expected) and exits with the documented code; a stack only with --debug.

/** The lines of stderr, without the progress or warnings a command may print. */
const lines = (s: string) => s.split('\n').filter(Boolean);
const STACK = /^\s+at /m;

const badOptions: [string, string[], RegExp][] = [
  ['a port that is not a number', ['service', 'start', '--port', 'abc'], /--port.*'abc'.*expected a TCP port \(a whole number 0\.\.65535/],
  ['a port out of range', ['service', 'start', '--port', '70000'], /--port.*'70000'.*expected a TCP port/],
  ['a signing key that does not exist', ['service', 'start', '--port', '0', '--signing-key', '/nonexistent/key.pem'], /--signing-key.*\/nonexistent\/key\.pem.*expected a readable file \(ENOENT\)/],
  ['a year that is not one', ['parse-log', 'README.md', '--year', 'abc'], /--year.*'abc'.*expected a 4-digit year/],
  ['a board name with a slash', ['vboard', 'status', '--name', '../x'], /--name.*'\.\.\/x'.*expected lower-case letters, digits and dashes/],
  ['an OTA request timeout that is not a number', ['ota', 'list', '--timeout', 'soon'], /--timeout.*'soon'.*expected a number of seconds/],
];

for (const [what, args, message] of badOptions) {
  test(`bad input is one line naming the option, exit 2: ${what}`, async () => {
    const r = await hil(args);
    expect(r.status, r.stderr).toBe(2);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });
}

test('a busy port is named, with what to do', async () => {
  const busy = net.createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
  const { port } = busy.address() as net.AddressInfo;
  const scratch = scratchDir();
  try {
    const r = await hil(['service', 'start', '--port', String(port), '--data', scratch.dir]);
    // service-command.ts decides the code: 1, "a start that fails" (2 if it leaves it to failure.ts).
    expect([1, 2], r.stderr).toContain(r.status);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toContain(`127.0.0.1:${port}`);
    expect(r.stderr).toContain('in use');
    expect(r.stderr).toContain('--port');
  } finally {
    busy.close();
    scratch.remove();
  }
});

test('a corrupt state.json of a virtual board names the file; the stack only with --debug', async () => {
  const name = `t-corrupt-${process.pid}`;
  const dir = vboardRunDir(projectRoot, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'state.json'), '{"name": "x", "pid":');
  try {
    const r = await hil(['vboard', 'status', '--name', name]);
    expect(r.status, r.stderr).toBe(2);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toContain(`${path.join(dir, 'state.json')}: expected the JSON state of a virtual board`);
    expect(r.stderr).not.toMatch(STACK);
    const withStack = await hil(['--debug', 'vboard', 'status', '--name', name]);
    expect(withStack.status).toBe(2);
    expect(withStack.stderr).toContain('state.json: expected the JSON state');
    expect(withStack.stderr).toMatch(STACK);
    const leafDebug = await hil(['vboard', 'status', '--name', name, '--debug']);
    expect(leafDebug.stderr).toMatch(STACK);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('commander usage errors exit 2 with its message; --help exits 0', async () => {
  const unknown = await hil(['ota', 'list', '--bogus']);
  expect(unknown.status).toBe(2);
  expect(unknown.stderr).toContain("unknown option '--bogus'");
  const help = await hil(['--help']);
  expect(help.status).toBe(0);
  expect(help.stdout).toContain('--debug');
});

test('ota record keeps -d/--debug as the debug build; the stack flag is then given before the command', async () => {
  const r = await hil(['ota', 'record', '--help']);
  expect(r.stdout).toMatch(/-d, --debug\s+debug build/);
});
