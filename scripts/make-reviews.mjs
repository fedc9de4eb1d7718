// Writes examples/data/reviews.csv: short movie reviews with a sentiment label (text,label; label pos|neg)
// for the sentiment and imdb_keras examples and the tests. Deterministic (mulberry32, seed 7): running it
// again writes the same file. Reviews are built from templates so the task is learnable, with negations
// ("not good"), contrasts ("slow at first, but ...") and neutral filler so it is not a keyword lookup.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const N = 400;
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
const rng = mulberry32(7);
const pick = (a) => a[Math.floor(rng() * a.length)];
const cap = (s) => s[0].toUpperCase() + s.slice(1);

const subjects = ['the movie', 'this film', 'the acting', 'the plot', 'the story', 'the soundtrack', 'the ending', 'the cast', 'the script', 'the direction', 'the dialogue', 'the cinematography'];
const good = ['wonderful', 'great', 'brilliant', 'moving', 'excellent', 'delightful', 'superb', 'charming', 'gripping', 'beautiful', 'fun', 'clever'];
const bad = ['awful', 'boring', 'dull', 'terrible', 'clumsy', 'predictable', 'weak', 'tedious', 'messy', 'forgettable', 'bland', 'painful'];
const badNegated = ['bad', 'boring', 'dull', 'terrible', 'a waste of time'];
const goodNegated = ['good', 'great', 'funny', 'worth it', 'memorable'];
const intens = ['', '', 'really ', 'truly ', 'quite ', 'very ', 'absolutely '];
const fillers = ['I saw it on a Sunday afternoon.', 'My friend picked it.', 'It runs about two hours.', 'The theater was half empty.', 'I watched it twice.', 'It is based on a novel.', 'We went after dinner.', ''];
const posClose = ['I would watch it again.', 'Highly recommended.', 'Go and see it.', 'One of the best this year.', 'I loved every minute.'];
const negClose = ['I would not watch it again.', 'Skip this one.', 'Save your money.', 'One of the worst this year.', 'I almost walked out.'];

function clause(positive) {
  const s = pick(subjects);
  switch (Math.floor(rng() * 3)) {
    case 0: return `${s} was ${pick(intens)}${positive ? pick(good) : pick(bad)}`;
    case 1: return `${s} was not ${positive ? pick(badNegated) : pick(goodNegated)}`;
    default: return positive ? `I ${pick(['loved', 'enjoyed', 'admired'])} ${s}` : `I ${pick(['hated', 'disliked', 'could not stand'])} ${s}`;
  }
}

function review(positive) {
  const parts = [];
  const f = pick(fillers);
  if (f && rng() < 0.5) parts.push(f);
  if (rng() < 0.35) {
    // A contrast: the opposite opinion first, the verdict after "but".
    parts.push(`${cap(clause(!positive))}, but ${clause(positive)}.`);
  } else {
    parts.push(`${cap(clause(positive))}.`);
    if (rng() < 0.5) parts.push(`${cap(clause(positive))}.`);
  }
  if (rng() < 0.6) parts.push(positive ? pick(posClose) : pick(negClose));
  return parts.join(' ');
}

const rows = ['text,label'];
for (let i = 0; i < N; i++) {
  const positive = rng() < 0.5;
  rows.push(`"${review(positive).replace(/"/g, '""')}",${positive ? 'pos' : 'neg'}`);
}
const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'examples', 'data', 'reviews.csv');
writeFileSync(out, rows.join('\n') + '\n');
console.log(`make-reviews: ${N} reviews -> ${out}`);
