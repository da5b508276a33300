import type { Rule, RuleReport } from './types.js';
import { parseBaseImageReference } from '../base-image.js';

export const rule: Rule = {
  meta: {
    id: 'G019',
    slug: 'unpinned-base',
    severity: 'warning',
    doc: {
      summary: 'A base image without a tag, or tagged `latest`.',
      why:
        '`golang` or `alpine:latest` changes under you: a new Go release or base can change the binary, its size or ' +
        'the libc it links, and builds stop being reproducible.',
      fix: 'Pin a version tag (`golang:1.22-bookworm`), ideally with a digest (`@sha256:...`) updated by a bot.',
      lose: "Automatic updates: you bump the pin (Renovate/Dependabot can).",
      keep: "Reproducible builds.",
      check: "docker buildx imagetools inspect IMAGE:TAG   # get the digest to pin",
      example: { bad: 'FROM golang\nFROM alpine:latest', good: 'FROM golang:1.22-bookworm\nFROM alpine:3.20' },
      references: ['https://github.com/hadolint/hadolint/wiki/DL3006', 'https://github.com/hadolint/hadolint/wiki/DL3007', 'https://docs.docker.com/build/building/best-practices/#pin-base-image-versions'],
    },
  },
  check(ctx) {
    const out: RuleReport[] = [];
    for (const s of ctx.model.stages) {
      if (s.base.stageIndex !== null || s.base.scratch || s.base.expanded === '') continue;
      const ref = parseBaseImageReference(s.base.expanded);
      if (ref.digest) continue;
      if (ref.tag === null || ref.tag === 'latest') {
        out.push({
          range: s.base.range,
          message:
            `\`${s.base.expanded}\` is ${ref.tag === null ? 'untagged (implicitly :latest)' : 'tagged latest'}: the base changes ` +
            'between builds. Pin a version tag, ideally with a digest.',
        });
      }
    }
    return out;
  },
};
