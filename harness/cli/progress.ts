/** A progress bar on a terminal; on a pipe or a CI log, a line at each quarter. */
export function progressPrinter(label: string, stream: NodeJS.WriteStream = process.stderr): (done: number, total: number) => void {
  const started = Date.now();
  let lastQuarter = -1;
  let lastDraw = 0;
  return (done, total) => {
    const frac = total > 0 ? done / total : 1;
    const mib = (n: number) => (n / (1 << 20)).toFixed(1);
    const secs = (Date.now() - started) / 1000;
    const rate = secs > 0 ? `${mib(done / secs)} MiB/s` : '';
    if (stream.isTTY) {
      if (done < total && Date.now() - lastDraw < 100) return;
      lastDraw = Date.now();
      const width = 30;
      const fill = Math.round(frac * width);
      stream.write(`\r${label} [${'#'.repeat(fill)}${' '.repeat(width - fill)}] ${(frac * 100).toFixed(0).padStart(3)}% ${mib(done)}/${mib(total)} MiB ${rate}   `);
      if (done >= total) stream.write('\n');
      return;
    }
    const quarter = Math.floor(frac * 4);
    if (quarter > lastQuarter) {
      lastQuarter = quarter;
      stream.write(`${label}: ${quarter * 25}% of ${mib(total)} MiB ${rate}\n`);
    }
  };
}
