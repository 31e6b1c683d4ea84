// Lines that mean the board or the update is broken. A wait that sees one fails at once with the
// line, rather than running into its timeout minutes later.

export interface DeathLine {
  name: string;
  pattern: RegExp;
}

export const defaultDeathLines: readonly DeathLine[] = [
  { name: 'kernel panic', pattern: /Kernel panic - not syncing/ },
  { name: 'kernel oops', pattern: /\bInternal error: Oops\b|\bOops[:\[ ]/ },
  { name: 'kernel NULL dereference', pattern: /Unable to handle kernel (?:NULL pointer dereference|paging request)/ },
  { name: 'OTA validation failed', pattern: /BentoProduct::HandleValidateOTA\(1\)/ },
];
