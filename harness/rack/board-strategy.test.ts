import { test, expect } from '@playwright/test';
import { BoardStrategy, nextStep, OutOfServiceError, type BoardState, type StrategyBoard } from './board-strategy.ts';

// The strategy's transitions are pure logic: a scripted board answers each attach from a list and
// records every action it was asked for. (Its binding to a real console, SSH and command power
// is tested in attach-strategy.test.ts; the fixture's use of it in rack-fixture.test.ts.)

function scripted(answers: Awaited<ReturnType<StrategyBoard['attach']>>[], canPower: boolean) {
  const actions: string[] = [];
  const board: StrategyBoard = {
    canPower,
    async attach() {
      actions.push('attach');
      const a = answers.shift();
      if (!a) throw new Error('attach called more often than scripted');
      return a;
    },
    async powerOn() {
      actions.push('on');
    },
    async powerOff() {
      actions.push('off');
    },
    async boot() {
      actions.push('boot');
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
  expect(silent.actions).toEqual(['attach', 'off', 'on']);
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
  expect(mid.actions).toEqual(['attach', 'off', 'on']);

  const off = scripted(['shell'], true);
  const s = new BoardStrategy('b', off.board);
  await s.transition('off');
  expect(off.actions).toEqual(['attach', 'off']);
  expect(s.state).toBe('off');
  await s.transition('shell');
  expect(off.actions).toEqual(['attach', 'off', 'on']);
});

test('the table: every state has a next step or a reason towards shell and off', () => {
  const states: BoardState[] = ['off', 'bootloader', 'shell', 'update-under-way', 'unknown'];
  const table = states.map((from) => [from, nextStep(from, 'shell', { canPower: true }), nextStep(from, 'shell', { canPower: false }), nextStep(from, 'off', { canPower: true })]);
  expect(table).toEqual([
    ['off', { step: 'power-on' }, { outOfService: 'it is off, and its power cannot be switched' }, { outOfService: 'already off' }],
    ['bootloader', { step: 'boot' }, { step: 'boot' }, { step: 'power-off' }],
    ['shell', { outOfService: 'already in a shell' }, { outOfService: 'already in a shell' }, { step: 'power-off' }],
    ['update-under-way', { step: 'power-cycle' }, { outOfService: 'an update is under way on it, and its power cannot be switched' }, { step: 'power-off' }],
    ['unknown', { step: 'attach' }, { step: 'attach' }, { step: 'attach' }],
  ]);
});
