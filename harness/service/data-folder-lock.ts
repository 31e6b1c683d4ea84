import fs from 'node:fs';
import path from 'node:path';

// One lab OTA service per data folder: two would each keep their own state.json in memory and
// overwrite each other's records, and one would delete the other's uploads in progress. The lock
// is a file created exclusively (O_EXCL) holding the holder's pid; it is taken before anything
// in the folder is touched, and released on close. A lock whose pid is gone (a service killed
// with SIGKILL, a crash) is taken over.

export class DataFolderBusyError extends Error {}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

export interface DataFolderLock {
  readonly file: string;
  release(): void;
}

export function lockDataFolder(dataDir: string): DataFolderLock {
  const file = path.join(dataDir, 'service.lock');
  const mine = `${process.pid}\n`;
  // Two rounds: the second after removing a stale lock. Two services taking over the same stale
  // lock at the same instant could both remove it; the loser then finds the winner's lock.
  for (let round = 0; round < 2; round++) {
    try {
      fs.writeFileSync(file, mine, { flag: 'wx' });
      return {
        file,
        release() {
          // Only our own: a folder taken over meanwhile (ours deleted by hand) keeps its new lock.
          try {
            if (fs.readFileSync(file, 'utf8') === mine) fs.rmSync(file, { force: true });
          } catch {
            // gone already, with the folder
          }
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let holder = NaN;
    try {
      holder = Number.parseInt(fs.readFileSync(file, 'utf8'), 10);
    } catch {
      continue; // removed meanwhile: try again
    }
    if (Number.isInteger(holder) && holder > 0 && alive(holder)) {
      throw new DataFolderBusyError(`the data folder ${dataDir} is in use by another lab OTA service (pid ${holder}, ${file}); stop it, or use another --data folder`);
    }
    fs.rmSync(file, { force: true }); // stale (or unreadable): its holder is gone
  }
  throw new DataFolderBusyError(`the data folder ${dataDir}: another lab OTA service took its lock ${file} while this one started`);
}
