import { LabFault } from '../errors.ts';

// How a board is brought to a known state, as labgrid's strategies do it: a board is in one of a
// few states, and each step from one to the next is a named action. The table below is the spec:
//
//   from              to shell                              to off
//   unknown           attach (the board answers: it says    attach, then as below
//                     where it is), else power-cycle
//                     (no answer, power allows), else out
//                     of service
//   off               power-on                              -
//   bootloader        boot                                  power-off
//   shell             -                                     power-off
//   update-under-way  power-cycle (power allows), else      power-off
//                     out of service: nobody may take it
//                     from under an update without power
//
// A power step needs a board whose power the harness can switch; without it, a board that does
// not answer or is in the middle of an update is out of service, with the reason. Each transition
// walks at most MAX_STEPS steps: a board that keeps coming back in a state it should have left is
// out of service too.

export type BoardState = 'off' | 'bootloader' | 'shell' | 'update-under-way' | 'unknown';
export type TargetState = 'shell' | 'off';
export type StepName = 'attach' | 'power-on' | 'power-off' | 'power-cycle' | 'boot';

/** What a board can do, as the strategy drives it (the fixture binds it to console, SSH and power). */
export interface StrategyBoard {
  /** The power driver can switch this board (on, off, cycle). */
  readonly canPower: boolean;
  /** Opens the console and finds where the board is: 'no-answer' when nothing answers in time. */
  attach(): Promise<Exclude<BoardState, 'unknown' | 'off'> | 'no-answer'>;
  /** Powers on and waits for the shell. */
  powerOn(): Promise<void>;
  powerOff(): Promise<void>;
  /** From the bootloader prompt: boots the active slot and waits for the shell. */
  boot(): Promise<void>;
}

/** The board cannot be brought to the state wanted: a lab fault, and the board goes out of service. */
export class OutOfServiceError extends LabFault {
  /** The message without its failure-class line: what the store keeps as the reason. */
  readonly text: string;

  constructor(
    readonly board: string,
    readonly reason: string,
    readonly steps: readonly string[],
  ) {
    const text = `${board} is out of service: ${reason}${steps.length ? ` (steps: ${steps.join(' → ')})` : ''}`;
    super(text, { phase: 'board state' });
    this.text = text;
  }
}

export const MAX_STEPS = 4;

export type Plan = { step: StepName } | { outOfService: string };

/** The next step from `from` towards `to`: the table above, as a pure function. */
export function nextStep(from: BoardState, to: TargetState, o: { canPower: boolean; answered?: boolean }): Plan {
  const power = (step: StepName, why: string): Plan => (o.canPower ? { step } : { outOfService: `${why}, and its power cannot be switched` });
  switch (from) {
    case 'unknown':
      if (o.answered === false) return power('power-cycle', 'it does not answer on its console');
      return { step: 'attach' };
    case 'off':
      return to === 'shell' ? power('power-on', 'it is off') : { outOfService: 'already off' };
    case 'bootloader':
      return to === 'shell' ? { step: 'boot' } : power('power-off', 'it is at the bootloader');
    case 'shell':
      return to === 'off' ? power('power-off', 'it runs') : { outOfService: 'already in a shell' };
    case 'update-under-way':
      return to === 'shell' ? power('power-cycle', 'an update is under way on it') : power('power-off', 'an update is under way on it');
  }
}

/** Where a step leaves the board when it succeeds (attach: where the board says it is). */
const after: Record<Exclude<StepName, 'attach'>, BoardState> = { 'power-on': 'shell', 'power-off': 'off', 'power-cycle': 'shell', boot: 'shell' };

export class BoardStrategy {
  /** Every step taken, in order, with what it found: for the harness log and the out-of-service reason. */
  readonly steps: string[] = [];

  constructor(
    readonly board: string,
    private readonly target: StrategyBoard,
    public state: BoardState = 'unknown',
  ) {}

  /** Walks from the current state to `to`, step by step; throws OutOfServiceError when it cannot. */
  async transition(to: TargetState): Promise<void> {
    let answered: boolean | undefined;
    for (let n = 0; this.state !== to; n++) {
      if (n === MAX_STEPS) this.outOfService(`it did not reach ${to} in ${MAX_STEPS} steps`);
      const plan = nextStep(this.state, to, { canPower: this.target.canPower, answered });
      if ('outOfService' in plan) this.outOfService(plan.outOfService);
      const step = plan.step;
      if (step === 'attach') {
        const found = await this.target.attach();
        answered = found !== 'no-answer';
        this.steps.push(`attach: ${found}`);
        if (answered) this.state = found as BoardState;
        continue;
      }
      if (step === 'power-on') await this.target.powerOn();
      else if (step === 'power-off') await this.target.powerOff();
      else if (step === 'boot') await this.target.boot();
      else {
        await this.target.powerOff();
        await this.target.powerOn();
      }
      this.steps.push(step);
      this.state = after[step];
      answered = undefined;
    }
  }

  private outOfService(reason: string): never {
    throw new OutOfServiceError(this.board, reason, this.steps);
  }
}
