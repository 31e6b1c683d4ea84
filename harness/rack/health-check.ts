import type { Board } from '../board/board.ts';
import { resolvePassword } from '../board/load-profile.ts';
import { Deadline } from '../wait/deadline.ts';

// A rack board's health check, run when a worker leases it and after every lab fault on it:
// the console answers, a login works, SSH answers, the active slot can be read, and no update is
// under way. The steps run in that order and stop at the first that fails; its name and error
// are the reason the board goes out of service, with the last console lines as the evidence
// (LAVA sets such a device Bad until someone returns it).

export const HEALTH_PHASE = 'health check';

export interface HealthStep {
  name: string;
  run(deadline: Deadline): Promise<unknown>;
}

export type HealthReport =
  | { healthy: true; steps: string[]; slot: string }
  | { healthy: false; steps: string[]; failedStep: string; reason: string; lastLines: string[] };

/** Runs the steps in order within `budgetMs`; the first failure ends the check and says why. */
export async function runHealthSteps(steps: readonly HealthStep[], o: { board: string; budgetMs: number; lastLines: () => string[] }): Promise<HealthReport> {
  const deadline = Deadline.after(o.budgetMs, HEALTH_PHASE);
  const done: string[] = [];
  let slot = '';
  for (const step of steps) {
    try {
      const r = await step.run(deadline);
      if (step.name === 'active slot readable') slot = String(r);
    } catch (e) {
      const why = ((e as Error)?.message ?? String(e)).split('\n')[0];
      return { healthy: false, steps: done, failedStep: step.name, reason: `health check failed at "${step.name}" on ${o.board}: ${why}`, lastLines: o.lastLines().slice(-20) };
    }
    done.push(step.name);
  }
  return { healthy: true, steps: done, slot };
}

/** The steps on a real board: its console, SSH and profile (the board is left logged in, console open). */
export function boardHealthSteps(board: Board): HealthStep[] {
  const p = board.profile;
  const t = p.timeouts;
  return [
    {
      name: 'console answers',
      async run(d) {
        await board.openConsole();
        // Anything at all in answer to a line ending: a login prompt, a shell prompt, a bootloader.
        await board.console.send('');
        await board.console.expect(/\S/, { deadline: d.within(t.login) });
      },
    },
    {
      name: 'login',
      run: (d) =>
        board.console.login({
          user: p.login.user,
          password: 'none' in p.login.password ? undefined : resolvePassword(p),
          loginPrompt: new RegExp(p.login.loginPrompt, 'm'),
          passwordPrompt: new RegExp(p.login.passwordPrompt, 'm'),
          shellPrompt: new RegExp(p.login.shellPrompt, 'm'),
          timeoutMs: t.login,
          deadline: d,
          phase: HEALTH_PHASE,
        }),
    },
    {
      name: 'SSH',
      async run(d) {
        await board.ssh.waitUntilUp({ deadline: d.within(t.command), phase: HEALTH_PHASE });
        await board.sh('true', HEALTH_PHASE, d.within(t.command));
      },
    },
    { name: 'active slot readable', run: () => board.activeSlot() },
    { name: 'no update under way', run: () => board.expectNoUpdateUnderWay() },
  ];
}

/** The whole health check of a board; `budgetMs` defaults to the profile's boot budget. */
export function checkBoardHealth(board: Board, id: string, budgetMs = board.profile.timeouts.boot): Promise<HealthReport> {
  return runHealthSteps(boardHealthSteps(board), { board: id, budgetMs, lastLines: () => board.events.lastLines() });
}
