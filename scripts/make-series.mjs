// Writes examples/data/weather.csv: 365 days of a synthetic daily temperature and humidity (a yearly cycle,
// a weekly wobble and seeded noise) with a date column, for the series source's example and tests.
// Deterministic (mulberry32, seed 11).
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rng = mulberry32(11);
const rows = ['date,temperature,humidity'];
const start = Date.UTC(2023, 0, 1);
for (let d = 0; d < 365; d++) {
  const date = new Date(start + d * 86400000).toISOString().slice(0, 10);
  const season = Math.sin(((d - 100) / 365) * 2 * Math.PI);
  const temp = 12 + 10 * season + 1.5 * Math.sin((d / 7) * 2 * Math.PI) + (rng() - 0.5) * 3;
  const hum = 65 - 15 * season + (rng() - 0.5) * 10;
  rows.push(`${date},${temp.toFixed(2)},${hum.toFixed(1)}`);
}
const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'examples', 'data', 'weather.csv');
writeFileSync(out, rows.join('\n') + '\n');
console.log(`make-series: 365 rows -> ${out}`);
