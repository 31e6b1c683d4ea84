import { test, expect } from '@playwright/test';
import { BoardStrategy, nextStep, OutOfServiceError, type Booted, type BoardState, type StrategyBoard } from './board-strategy.ts';

// The strategy's transitions are pure logic: a scripted board answers each attach from a list and
// records every action it was asked for. (Its binding to a real console, SSH and command power
// is tested in attach-strategy.test.ts; the fixture's use of it in rack-fixture.test.ts.)

/** `boots`: what each power-on, power-cycle or boot reaches, in order (a shell when the list is empty). */
function scripted(answers: Awaited<ReturnType<StrategyBoard['attach']>>[], canPower: boolean, o: { canRecover?: boolean; boots?: Booted[] } = {}) {
  const actions: string[] = [];
  const boots = [...(o.boots ?? [])];
  const booted = () => boots.shift() ?? 'shell';
  const board: StrategyBoard = {
    canPower,
    canRecover: o.canRecover ?? false,
    async attach() {
      actions.push('attach');
      const a = answers.shift();
      if (!a) throw new Error('attach called more often than scripted');
      return a;
    },
    async powerOn() {
      actions.push('on');
      return booted();
    },
    async powerOff() {
      actions.push('off');
    },
    async powerCycle() {
      actions.push('cycle');
      return booted();
    },
    async boot() {
      actions.push('boot');
      return booted();
    },
    async recover() {
      actions.push('recovery');
    },
  };
  return { board, actions };
}

test('a board that answers in a shell is attached to, nothing else', async () => {
  const { board, actions } = scripted(['shell'], true);
  const s = new BoardStrategy('sama5d2-1', board);
  await s.transition('shell');
  expect(actions).toEqual(['attach']);
  expect(s.state).toBe('shell');
  expect(s.steps).toEqual(['attach: shell']);
});

test('at the bootloader: boot; silent: power-cycle when power allows', async () => {
  const atBoot = scripted(['bootloader'], false);
  await new BoardStrategy('b', atBoot.board).transition('shell');
  expect(atBoot.actions).toEqual(['attach', 'boot']);

  const silent = scripted(['no-answer'], true);
  const s = new BoardStrategy('b', silent.board);
  await s.transition('shell');
  expect(silent.actions).toEqual(['attach', 'cycle']);
  expect(s.steps).toEqual(['attach: no-answer', 'power-cycle']);
});

test('silent, or mid-update, without power control: out of service with the reason, nothing switched', async () => {
  for (const [answer, reason] of [
    ['no-answer', 'it does not answer on its console, and its power cannot be switched'],
    ['update-under-way', 'an update is under way on it, and its power cannot be switched'],
  ] as const) {
    const { board, actions } = scripted([answer], false);
    const e = await new BoardStrategy('bbgw-2', board).transition('shell').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(OutOfServiceError);
    expect((e as OutOfServiceError).text).toBe(`bbgw-2 is out of service: ${reason} (steps: attach: ${answer})`);
    expect((e as OutOfServiceError).failureClass).toBe('lab-fault');
    expect(actions).toEqual(['attach']);
  }
});

test('an update under way with power: power-cycle; off is reached from any state', async () => {
  const mid = scripted(['update-under-way'], true);
  await new BoardStrategy('b', mid.board).transition('shell');
  expect(mid.actions).toEqual(['attach', 'cycle']);

  const off = scripted(['shell'], true);
  const s = new BoardStrategy('b', off.board);
  await s.transition('off');
  expect(off.actions).toEqual(['attach', 'off']);
  expect(s.state).toBe('off');
  await s.transition('shell');
  expect(off.actions).toEqual(['attach', 'off', 'on']);
});

test('a board that boots no slot after a power-cycle is recovered: off, the recovery command, on', async () => {
  const dead = scripted(['no-answer'], true, { canRecover: true, boots: ['no-slot-boots'] });
  const s = new BoardStrategy('sama5d2-2', dead.board);
  await s.transition('shell');
  expect(dead.actions).toEqual(['attach', 'cycle', 'off', 'recovery', 'on']);
  expect(s.steps).toEqual(['attach: no-answer', 'power-cycle: no-slot-boots', 'recover']);
  expect(s.state).toBe('shell');

  // A boot from the bootloader that reaches no shell is the same state.
  const stuck = scripted(['bootloader'], true, { canRecover: true, boots: ['no-slot-boots'] });
  await new BoardStrategy('b', stuck.board).transition('shell');
  expect(stuck.actions).toEqual(['attach', 'boot', 'off', 'recovery', 'on']);
});

test('no slot boots: out of service without a recovery command, without power, or when still dead after its recovery', async () => {
  for (const [o, actions, reason] of [
    [{ canRecover: false, boots: ['no-slot-boots'] }, ['attach', 'cycle'], 'it boots no slot (powered, no shell within its boot budget), and it has no recovery command in the lab inventory (boards[].recovery) (steps: attach: no-answer → power-cycle: no-slot-boots)'],
    [{ canRecover: true, boots: ['no-slot-boots', 'no-slot-boots'] }, ['attach', 'cycle', 'off', 'recovery', 'on'], 'it boots no slot (powered, no shell within its boot budget) even after its recovery command (steps: attach: no-answer → power-cycle: no-slot-boots → recover: no-slot-boots)'],
  ] as const) {
    const b = scripted(['no-answer'], true, { canRecover: o.canRecover, boots: [...o.boots] });
    const e = await new BoardStrategy('bbgw-1', b.board).transition('shell').catch((x: unknown) => x);
    expect((e as OutOfServiceError).text).toBe(`bbgw-1 is out of service: ${reason}`);
    expect(b.actions).toEqual(actions);
  }
  // At the bootloader, without power, a boot that fails cannot be followed by a recovery.
  const noPower = scripted(['bootloader'], false, { canRecover: true, boots: ['no-slot-boots'] });
  const e = await new BoardStrategy('b', noPower.board).transition('shell').catch((x: unknown) => x);
  expect((e as OutOfServiceError).reason).toBe('it boots no slot (powered, no shell within its boot budget), and its power cannot be switched');
  expect(noPower.actions).toEqual(['attach', 'boot']);
});

test('the table: every state has a next step or a reason towards shell and off', () => {
  const states: BoardState[] = ['off', 'bootloader', 'shell', 'update-under-way', 'no-slot-boots', 'unknown'];
  const row = (from: BoardState) => [
    from,
    nextStep(from, 'shell', { canPower: true, canRecover: true }),
    nextStep(from, 'shell', { canPower: false, canRecover: true }),
    nextStep(from, 'shell', { canPower: true, canRecover: false }),
    nextStep(from, 'shell', { canPower: true, canRecover: true, recovered: true }),
    nextStep(from, 'off', { canPower: true }),
    nextStep(from, 'off', { canPower: false }),
  ];
  const noSlot = 'it boots no slot (powered, no shell within its boot budget)';
  expect(states.map(row)).toEqual([
    ['off', { step: 'power-on' }, { outOfService: 'it is off, and its power cannot be switched' }, { step: 'power-on' }, { step: 'power-on' }, { outOfService: 'already off' }, { outOfService: 'already off' }],
    ['bootloader', { step: 'boot' }, { step: 'boot' }, { step: 'boot' }, { step: 'boot' }, { step: 'power-off' }, { outOfService: 'it is at the bootloader, and its power cannot be switched' }],
    ['shell', { outOfService: 'already in a shell' }, { outOfService: 'already in a shell' }, { outOfService: 'already in a shell' }, { outOfService: 'already in a shell' }, { step: 'power-off' }, { outOfService: 'it runs, and its power cannot be switched' }],
    ['update-under-way', { step: 'power-cycle' }, { outOfService: 'an update is under way on it, and its power cannot be switched' }, { step: 'power-cycle' }, { step: 'power-cycle' }, { step: 'power-off' }, { outOfService: 'an update is under way on it, and its power cannot be switched' }],
    [
      'no-slot-boots',
      { step: 'recover' },
      { outOfService: `${noSlot}, and its power cannot be switched` },
      { outOfService: `${noSlot}, and it has no recovery command in the lab inventory (boards[].recovery)` },
      { outOfService: `${noSlot} even after its recovery command` },
      { step: 'power-off' },
      { outOfService: `${noSlot}, and its power cannot be switched` },
    ],
    ['unknown', { step: 'attach' }, { step: 'attach' }, { step: 'attach' }, { step: 'attach' }, { step: 'attach' }, { step: 'attach' }],
  ]);
  // Unknown and silent: a power-cycle, or out of service without power.
  expect(nextStep('unknown', 'shell', { canPower: true, answered: false })).toEqual({ step: 'power-cycle' });
  expect(nextStep('unknown', 'off', { canPower: false, answered: false })).toEqual({ outOfService: 'it does not answer on its console, and its power cannot be switched' });
});
