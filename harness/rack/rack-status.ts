import type { Holder, LeaseKind, StoreSnapshot } from './lease-store.ts';
import type { RackInventory } from './rack-inventory.ts';

// Every board of the rack as `hil rack status` shows it: the inventory joined with the store.
// Boards the store knows but the inventory no longer lists are shown too, so nothing is hidden.

export interface BoardStatus {
  id: string;
  type: string | null;
  tags: string[];
  inInventory: boolean;
  state: 'free' | 'leased' | 'reserved' | 'out-of-service';
  lease: { holder: Holder; kind: LeaseKind; since: string; expiresAt: string } | null;
  outOfService: { reason: string; lastLines: string[]; since: string; by: string } | null;
}

export interface RackStatus {
  /** The store (file, or URL without password) and its clock. */
  store: string;
  now: string;
  inventory: string | null;
  boards: BoardStatus[];
}

export function rackStatus(inv: RackInventory, snap: StoreSnapshot, store: string): RackStatus {
  const ids = [...inv.boards.map((b) => b.id), ...[...snap.leases, ...snap.outOfService].map((x) => x.board)];
  const boards = [...new Set(ids)].map((id): BoardStatus => {
    const b = inv.boards.find((x) => x.id === id);
    const l = snap.leases.find((x) => x.board === id);
    const o = snap.outOfService.find((x) => x.board === id);
    return {
      id,
      type: b?.type ?? null,
      tags: b?.tags ?? [],
      inInventory: !!b,
      state: o ? 'out-of-service' : l ? (l.kind === 'reservation' ? 'reserved' : 'leased') : 'free',
      lease: l ? { holder: l.holder, kind: l.kind, since: l.acquiredAt.toISOString(), expiresAt: l.expiresAt.toISOString() } : null,
      outOfService: o ? { reason: o.reason, lastLines: o.lastLines, since: o.since.toISOString(), by: o.by } : null,
    };
  });
  return { store, now: snap.now.toISOString(), inventory: inv.file ?? null, boards };
}

/** "in 45 s", "in 90 min", "in 26 h" */
function fromNow(iso: string, now: string): string {
  const s = Math.round((Date.parse(iso) - Date.parse(now)) / 1000);
  const a = Math.abs(s);
  const span = a < 120 ? `${a} s` : a < 2 * 3600 ? `${Math.round(a / 60)} min` : `${Math.round(a / 3600)} h`;
  return s >= 0 ? `in ${span}` : `${span} ago`;
}

/** The status for a person: one line a board, an out-of-service board's last console lines under it. */
export function formatRackStatus(s: RackStatus): string {
  const out = [`rack store ${s.store} (its clock ${s.now}); inventory ${s.inventory ?? 'none (lab-inventory.json or HIL_INVENTORY)'}`];
  const idWidth = Math.max(5, ...s.boards.map((b) => b.id.length));
  const typeWidth = Math.max(4, ...s.boards.map((b) => (b.type ?? '?').length));
  const tagWidth = Math.max(4, ...s.boards.map((b) => b.tags.join(',').length));
  out.push(`${'BOARD'.padEnd(idWidth)}  ${'TYPE'.padEnd(typeWidth)}  ${'TAGS'.padEnd(tagWidth)}  STATE`);
  for (const b of s.boards) {
    const parts: string[] = [];
    if (b.lease) {
      const h = b.lease.holder;
      parts.push(`${b.lease.kind === 'reservation' ? 'reserved' : 'leased'} by ${h.host} pid ${h.pid} (${h.job}) since ${b.lease.since}, expires ${b.lease.expiresAt} (${fromNow(b.lease.expiresAt, s.now)})`);
    }
    if (b.outOfService) parts.unshift(`OUT OF SERVICE since ${b.outOfService.since} by ${b.outOfService.by}: ${b.outOfService.reason}`);
    if (!parts.length) parts.push('free');
    if (!b.inInventory) parts.push('(not in the inventory)');
    out.push(`${b.id.padEnd(idWidth)}  ${(b.type ?? '?').padEnd(typeWidth)}  ${(b.tags.join(',') || '-').padEnd(tagWidth)}  ${parts.join('; ')}`);
    for (const line of b.outOfService?.lastLines ?? []) out.push(`${' '.repeat(idWidth + 2)}| ${line}`);
  }
  return `${out.join('\n')}\n`;
}
