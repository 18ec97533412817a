// The benches' tables: a header, a rule and the rows, each column as wide as its widest cell.

/** Prints `rows` (arrays of strings) under `header`. */
export function printTable(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)))
  const line = (cells) => cells.map((c, i) => c.padEnd(widths[i])).join('  ')
  console.log(line(header))
  console.log(line(widths.map((w) => '-'.repeat(w))))
  for (const cells of rows) console.log(line(cells))
}
