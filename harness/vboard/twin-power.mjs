#!/usr/bin/env node
// The power switch of a board twin kept by `hil vboard up --twin`, as a lab's relay or PDU command
// (the `command` power driver runs it): node twin-power.mjs QMP_SOCKET on|off|cycle|status.
// Off pauses the machine and resets it (the CPU stops at once, the guest's unwritten cache is
// lost, the disk keeps what reached it), on lets it run from its reset; QEMU itself, its serial
// (and ser2net in front of it) and the SSH forward stay, as a rack's wiring does. Plain
// JavaScript: it runs at once, with no build.
import net from 'node:net';

const [sock, action] = process.argv.slice(2);
const actions = { on: ['cont'], off: ['stop', 'system_reset'], cycle: ['stop', 'system_reset', 'cont'], status: ['query-status'] };
if (!sock || !actions[action]) {
  console.error('usage: twin-power.mjs QMP_SOCKET on|off|cycle|status');
  process.exit(2);
}

const socket = net.connect(sock);
const timer = setTimeout(() => fail(`no answer from QEMU on ${sock} within 10 s`), 10_000);
function fail(why) {
  console.error(`twin power ${action}: ${why}`);
  process.exit(1);
}
socket.on('error', (e) => fail(`cannot reach QEMU's power socket ${sock}: ${e.message}`));

// One command at a time, each after the answer to the one before (the greeting first).
const queue = ['qmp_capabilities'];
let status;
const send = () => socket.write(`${JSON.stringify({ execute: queue[0] })}\n`);
let buffer = '';
socket.on('data', (d) => {
  buffer += d;
  let nl;
  while ((nl = buffer.indexOf('\n')) >= 0) {
    const msg = JSON.parse(buffer.slice(0, nl));
    buffer = buffer.slice(nl + 1);
    if (msg.QMP) {
      // `on` of a running board and `off` of a stopped one change nothing, as a relay's would.
      send();
    } else if (msg.error) {
      // `cont` of a running machine is not an error for a power switch.
      if (queue[0] === 'cont' && /running/i.test(msg.error.desc)) next();
      else fail(`${queue[0]}: ${msg.error.desc}`);
    } else if ('return' in msg) {
      if (queue[0] === 'query-status') status = msg.return.running ? 'on' : 'off';
      if (queue[0] === 'qmp_capabilities') queue.push(...actions[action]);
      next();
    }
  }
});
function next() {
  queue.shift();
  if (queue.length) return send();
  clearTimeout(timer);
  if (status) process.stdout.write(`${status}\n`);
  socket.end();
}
