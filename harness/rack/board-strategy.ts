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
//   no-slot-boots     recover (a recovery command, power    power-off
//                     allows), else out of service; once
//                     recovered and still no slot boots:
//                     out of service
//
// A power step needs a board whose power the harness can switch; without it, a board that does
// not answer or is in the middle of an update is out of service, with the reason. A board "boots
// no slot" when a power-on, power-cycle or boot leaves it powered without a shell (stuck at the
// bootloader, panicking, in a boot loop). `recover` = power-off, the inventory's recovery
// command (run while the board is off: an SD mux and a flash, SAM-BA, re-imaging a virtual
// disk), power-on and wait for the shell; it is offered only where the caller has a recovery
// command (and time) for the board. Each transition walks at most MAX_STEPS steps: a board that
// keeps coming back in a state it should have left is out of service too.

export type BoardState = 'off' | 'bootloader' | 'shell' | 'update-under-way' | 'no-slot-boots' | 'unknown';
export type TargetState = 'shell' | 'off';
export type StepName = 'attach' | 'power-on' | 'power-off' | 'power-cycle' | 'boot' | 'recover';

/** Where a step that boots the board leaves it: in a shell, or powered with no slot booting. */
export type Booted = 'shell' | 'no-slot-boots';

/** What a board can do, as the strategy drives it (the fixture binds it to console, SSH and power). */
export interface StrategyBoard {
  /** The power driver can switch this board (on, off, cycle). */
  readonly canPower: boolean;
  /** The board has a recovery command this transition may run. */
  readonly canRecover: boolean;
  /** Opens the console and finds where the board is: 'no-answer' when nothing answers in time. */
  attach(): Promise<Exclude<BoardState, 'unknown' | 'off' | 'no-slot-boots'> | 'no-answer'>;
  /** Powers on and waits for the shell. */
  powerOn(): Promise<Booted>;
  powerOff(): Promise<void>;
  /** Off and on again (the driver's own cycle where it has one), and waits for the shell. */
  powerCycle(): Promise<Booted>;
  /** From the bootloader prompt: boots the active slot and waits for the shell. */
  boot(): Promise<Booted>;
  /** Runs the recovery command; the board is off while it runs. */
  recover(): Promise<void>;
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

export interface PlanOptions {
  canPower: boolean;
  /** A recovery command may be run (default: none). */
  canRecover?: boolean;
  /** What the last attach found: false when nothing answered. */
  answered?: boolean;
  /** The recovery command has run in this transition already. */
  recovered?: boolean;
}

const NO_SLOT = 'it boots no slot (powered, no shell within its boot budget)';

/** The next step from `from` towards `to`: the table above, as a pure function. */
export function nextStep(from: BoardState, to: TargetState, o: PlanOptions): Plan {
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
    case 'no-slot-boots':
      if (to === 'off') return power('power-off', NO_SLOT);
      if (o.recovered) return { outOfService: `${NO_SLOT} even after its recovery command` };
      if (!o.canRecover) return { outOfService: `${NO_SLOT}, and it has no recovery command in the lab inventory (boards[].recovery)` };
      return power('recover', NO_SLOT);
  }
}

export class BoardStrategy {
  constructor(
    readonly board: string,
    private readonly target: StrategyBoard,
    public state: BoardState = 'unknown',
    /** Every step taken, in order, with what it found: for the harness log and the out-of-service reason. */
    readonly steps: string[] = [],
  ) {}

  /** Walks from the current state to `to`, step by step; throws OutOfServiceError when it cannot. */
  async transition(to: TargetState): Promise<void> {
    let answered: boolean | undefined;
    let recovered = false;
    for (let n = 0; this.state !== to; n++) {
      if (n === MAX_STEPS) this.outOfService(`it did not reach ${to} in ${MAX_STEPS} steps`);
      const plan = nextStep(this.state, to, { canPower: this.target.canPower, canRecover: this.target.canRecover, answered, recovered });
      if ('outOfService' in plan) this.outOfService(plan.outOfService);
      const step = plan.step;
      answered = undefined;
      if (step === 'attach') {
        const found = await this.target.attach();
        answered = found !== 'no-answer';
        this.steps.push(`attach: ${found}`);
        if (answered) this.state = found as BoardState;
        continue;
      }
      if (step === 'power-off') {
        await this.target.powerOff();
        this.steps.push(step);
        this.state = 'off';
        continue;
      }
      let booted: Booted;
      if (step === 'power-on') booted = await this.target.powerOn();
      else if (step === 'power-cycle') booted = await this.target.powerCycle();
      else if (step === 'boot') booted = await this.target.boot();
      else {
        await this.target.powerOff();
        await this.target.recover();
        recovered = true;
        booted = await this.target.powerOn();
      }
      this.steps.push(booted === 'shell' ? step : `${step}: ${booted}`);
      this.state = booted;
    }
  }

  private outOfService(reason: string): never {
    throw new OutOfServiceError(this.board, reason, this.steps);
  }
}
