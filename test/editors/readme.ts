// The editor configurations as the README gives them: the tests run exactly this text.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const README = join(__dirname, '..', '..', 'README.md');

/** The first ```lang block under the heading `### title` of the README. */
export function readmeBlock(title: string, lang: string): string {
  const text = readFileSync(README, 'utf8');
  const at = text.indexOf(`### ${title}\n`);
  if (at < 0) throw new Error(`README has no section "### ${title}"`);
  const m = new RegExp('```' + lang + '\\n([\\s\\S]*?)```').exec(text.slice(at));
  if (!m) throw new Error(`README's "### ${title}" has no \`\`\`${lang} block`);
  return m[1];
}
