import type { Command } from 'commander';
import { getTopic, listTopics, type Topic } from '../../explain/index.js';
import { writeJson, type CliIO, type ExitCode } from '../context.js';
import type { ActionRunner, CommandModule } from './types.js';

function wrap(text: string, indent: string, width = 96): string {
  const words = text.split(/\s+/);
  const lines: string[] = [];
  let cur = '';
  for (const w of words) {
    if (cur && cur.length + 1 + w.length > width - indent.length) {
      lines.push(cur);
      cur = w;
    } else cur = cur ? `${cur} ${w}` : w;
  }
  if (cur) lines.push(cur);
  return lines.map((l) => indent + l).join('\n');
}

const WHY_LABEL: Record<string, string> = { cause: 'Why it costs', check: 'When it fails' };

export function renderTopic(t: Topic): string {
  const part = (label: string, text: string | undefined): string[] => (text === undefined ? [] : [`${label}\n${wrap(text, '  ')}\n`]);
  return [
    `${t.id}: ${t.title}\n`,
    `${wrap(t.summary, '')}\n`,
    ...part('Removes', t.removes),
    ...part(WHY_LABEL[t.kind ?? ''] ?? 'Why', t.why),
    ...part('Fix', t.fix),
    ...part('You lose', t.lose),
    ...part('Still works', t.keep),
    ...part('Check it yourself', t.check),
    ...(t.references.length > 0 ? [`References\n${t.references.map((r) => `  - ${r.title}: ${r.url}`).join('\n')}\n`] : []),
    ...(t.seeAlso?.length ? [`See also: ${t.seeAlso.map((id) => `goslim explain ${id}`).join(', ')}\n`] : []),
  ].join('\n');
}

const KIND_TITLES: Record<string, string> = {
  lever: 'Size levers',
  rule: 'Dockerfile rules',
  cause: 'Causes (where inspect puts each byte)',
  check: 'Verify checks (will it start?)',
  error: 'Error codes (exit 2 for input errors, 3 for internal ones)',
  limit: 'Resource limits (the `details.limit` of an E_LIMIT error)',
};

export function renderTopicList(topics: Topic[]): string {
  const w = Math.max(...topics.map((t) => t.id.length));
  const kinds = [...new Set(topics.map((t) => t.kind ?? 'other'))];
  const blocks = kinds.map((k) => {
    const rows = topics.filter((t) => (t.kind ?? 'other') === k).map((t) => `  ${t.id.padEnd(w)}  ${t.title}`);
    return `${KIND_TITLES[k] ?? k}\n${rows.join('\n')}`;
  });
  return `${blocks.join('\n\n')}\n\nRun \`goslim explain <topic>\` for details.\n`;
}

export const command: CommandModule = {
  register(program: Command, run: ActionRunner): void {
    program
      .command('explain')
      .description('Explain a size lever, lint rule, cause, verify check, error code or limit: what it removes or means, what you lose, what still works, how to check')
      .argument('[topic]', 'topic id, e.g. strip-symbols, G009, cause:vcs, check:user, E_LIMIT or limit:tar.pathDepth; omit to list all topics')
      .option('--json', 'print the topic (or the list) as JSON')
      .action(async (topic: string | undefined, opts: { json?: boolean }) => {
        await run(async (io: CliIO): Promise<ExitCode> => {
          if (topic === undefined) {
            const all = listTopics();
            if (opts.json) writeJson(io, all);
            else io.stdout(renderTopicList(all));
            return 0;
          }
          const t = getTopic(topic);
          if (opts.json) writeJson(io, t);
          else io.stdout(renderTopic(t));
          return 0;
        });
      });
  },
};
