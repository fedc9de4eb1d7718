// The editor configurations as the README gives them: the tests run exactly this text.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const README = join(__dirname, '..', '..', 'README.md');

/** The `nth` ```lang block (0: the first) under the heading `### title` of the README, within that section. */
export function readmeBlock(title: string, lang: string, nth = 0): string {
  const text = readFileSync(README, 'utf8');
  const at = text.indexOf(`### ${title}\n`);
  if (at < 0) throw new Error(`README has no section "### ${title}"`);
  const rest = text.slice(at + title.length + 5);
  const section = rest.slice(0, rest.search(/\n##+ /) >= 0 ? rest.search(/\n##+ /) : undefined);
  const blocks = [...section.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))];
  if (!blocks[nth]) throw new Error(`README's "### ${title}" has no \`\`\`${lang} block number ${nth + 1}`);
  return blocks[nth][1];
}
