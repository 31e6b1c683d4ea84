// The per-project option a board project sets in playwright.config.ts: which profile to run on.
export interface BoardOptions {
  /** Path of the board profile, relative to the project root (boards/sama5d2.ts). */
  boardProfile: string;
}
