import { execWordsOf } from '../parse/shell-words.js';
import type { Rule, RuleReport } from './types.js';

export const rule: Rule = {
  meta: {
    id: 'G005',
    slug: 'shell-form-entrypoint',
    severity: 'error',
    lever: 'static-base',
    doc: {
      summary: 'Shell-form ENTRYPOINT or CMD on a base without a shell.',
      why:
        'Shell form (`ENTRYPOINT /app --port 8080`) is stored as `["/bin/sh", "-c", "/app --port 8080"]`. ' +
        'scratch, distroless and chainguard/static have no /bin/sh, so the container cannot start: ' +
        '`exec: "/bin/sh": stat /bin/sh: no such file or directory`.',
      fix: 'Use exec form: `ENTRYPOINT ["/app", "--port", "8080"]`.',
      lose: "Shell features on the command line (variable expansion, pipes); pass configuration through flags or environment variables the program reads itself.",
      keep: "Everything else; exec form also delivers SIGTERM to the program directly, so graceful shutdown works.",
      check: "docker image inspect --format '{{json .Config.Entrypoint}} {{json .Config.Cmd}}' IMAGE   # no /bin/sh -c",
      example: { bad: 'FROM scratch\nCOPY app /app\nENTRYPOINT /app', good: 'FROM scratch\nCOPY app /app\nENTRYPOINT ["/app"]' },
      references: [
        'https://docs.docker.com/reference/dockerfile/#entrypoint',
        'https://github.com/GoogleContainerTools/distroless#entrypoints',
      ],
    },
  },
  check(ctx) {
    const out: RuleReport[] = [];
    const s = ctx.finalStage;
    if (!s || ctx.finalBase?.hasShell !== false) return out;
    if (s.instructions.some((i) => i.keyword === 'SHELL')) return out;
    for (const instr of s.instructions) {
      if ((instr.keyword !== 'ENTRYPOINT' && instr.keyword !== 'CMD') || instr.form !== 'shell' || instr.body.trim() === '') continue;
      // The words fix writes (parse/shell-words.ts `execWordsOf`): none when the command uses shell syntax.
      const words = execWordsOf(instr.body);
      out.push({
        range: instr.range,
        message:
          `Shell-form ${instr.keyword} runs through /bin/sh -c, and \`${ctx.finalBase.image}\` has no shell: the container ` +
          `will not start ("exec: \\"/bin/sh\\": stat /bin/sh: no such file or directory"). ` +
          (words !== null
            ? `Use exec form: ${instr.keyword} ${JSON.stringify(words)}.`
            : 'It uses shell syntax (variables, pipes, globs or lists), which exec form does not run: make the binary do it, then use exec form.'),
      });
    }
    return out;
  },
};
