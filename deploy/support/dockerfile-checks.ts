import { PRISMA_DIR_IN_IMAGE } from './contract';

export interface Instruction {
  op: string;
  args: string;
}
export interface Stage {
  from: string;
  name?: string;
  instructions: Instruction[];
}
export interface ParsedDockerfile {
  globalArgs: Record<string, string>;
  stages: Stage[];
}

/** Enough of the Dockerfile grammar for these checks: comments, line continuations, stages. */
export function parseDockerfile(source: string): ParsedDockerfile {
  const lines = source
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const globalArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const line of lines) {
    const [, op = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const instr = { op: op.toUpperCase(), args: args.replace(/\s+/g, ' ') };
    if (instr.op === 'FROM') {
      const [, image = '', name] = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?/i.exec(instr.args) ?? [];
      stages.push({ from: image.replace(/\$\{?(\w+)\}?/g, (_, v: string) => globalArgs[v] ?? `$${v}`), name, instructions: [] });
    } else if (!stages.length && instr.op === 'ARG') {
      const [k = '', v = ''] = instr.args.split('=');
      globalArgs[k] = v;
    } else {
      stages.at(-1)?.instructions.push(instr);
    }
  }
  return { globalArgs, stages };
}

const runs = (s: Stage | undefined, re: RegExp): boolean => !!s?.instructions.some((i) => i.op === 'RUN' && re.test(i.args));

export function dockerfileProblems(d: ParsedDockerfile): string[] {
  const problems: string[] = [];
  const { stages } = d;
  if (stages.length < 3) problems.push(`${stages.length} stages, expected deps, build and runtime`);
  if (stages.some((s) => !s.name)) problems.push('every stage should be named (FROM ... AS <name>)');
  const deps = stages.find((s) => runs(s, /\bnpm ci\b(?!.*--omit=dev)/));
  const build = stages.find((s) => runs(s, /\bnpm run build\b/));
  const final = stages.at(-1);
  if (!deps) problems.push('no stage runs npm ci');
  if (!build) problems.push('no stage runs npm run build');
  if (!final) return problems;
  if (!/^node:20(\.\d+)*-bookworm-slim$/.test(final.from)) problems.push(`runtime stage is FROM ${final.from}, expected a node:20 bookworm-slim release`);
  if (!runs(final, /\bnpm ci\b.*--omit=dev/)) problems.push('runtime stage must install with npm ci --omit=dev');
  if (runs(final, /\bnpm run build\b/)) problems.push('runtime stage must not build');
  const copiesDist = final.instructions.some((i) => i.op === 'COPY' && new RegExp(`--from=${build?.name}\\b.*\\bdist\\b`).test(i.args));
  if (!copiesDist) problems.push('runtime stage must COPY dist from the build stage');

  const users = final.instructions.filter((i) => i.op === 'USER');
  const user = users.at(-1)?.args.split(':')[0];
  if (!user || ['root', '0'].includes(user)) problems.push('runtime stage must end as a non-root USER');
  const lastUser = final.instructions.lastIndexOf(users.at(-1) as Instruction);
  if (final.instructions.findLastIndex((i) => i.op === 'RUN') > lastUser) problems.push('RUN after USER: the last RUN must precede the non-root USER');

  if (!final.instructions.some((i) => i.op === 'ARG' && /^APP(=|$)/.test(i.args))) problems.push('runtime stage lacks ARG APP');
  if (!final.instructions.some((i) => i.op === 'ENV' && /\bAPP=\$\{?APP\}?/.test(i.args))) problems.push('runtime stage lacks ENV APP=${APP}');
  const entry = final.instructions.filter((i) => i.op === 'CMD' || i.op === 'ENTRYPOINT').map((i) => i.args).join(' ');
  if (!entry.includes('dist/apps/${APP}/main.js')) problems.push('CMD/ENTRYPOINT must run dist/apps/${APP}/main.js');
  if (!final.instructions.some((i) => i.op === 'ENV' && i.args.includes(`CALLPLANE_PRISMA_DIR=${PRISMA_DIR_IN_IMAGE}`))) {
    problems.push(`runtime stage must set CALLPLANE_PRISMA_DIR=${PRISMA_DIR_IN_IMAGE}`);
  }
  return problems;
}
