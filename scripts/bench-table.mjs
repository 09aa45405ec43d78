// The benchmarks' printed table: a title, a header row, a rule, then one padded row per result.
export function table(title, rows) {
  console.log(`\n${title}`);
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  rows.forEach((r, n) => {
    console.log(`  ${r.map((c, i) => String(c).padEnd(widths[i])).join('  ')}`);
    if (n === 0) console.log(`  ${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  });
}
