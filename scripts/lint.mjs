// `npm run lint`. Nx's module-boundary rule reads a cached project graph and, when there is none (a fresh
// clone), skips itself with only a warning. Compute the graph first, and fail if the rule still skipped.
import { spawnSync } from 'node:child_process';

const graph = spawnSync('npx', ['nx', 'show', 'projects'], { encoding: 'utf8' });
if (graph.status !== 0) {
  process.stderr.write(`Could not compute the Nx project graph:\n${graph.stdout}${graph.stderr}`);
  process.exit(1);
}
const lint = spawnSync('npx', ['eslint', ...(process.argv.slice(2).length ? process.argv.slice(2) : ['.'])], { encoding: 'utf8' });
process.stdout.write(lint.stdout);
process.stderr.write(lint.stderr);
if (/No cached ProjectGraph is available/.test(lint.stdout + lint.stderr)) {
  process.stderr.write('Module boundaries were not checked (no project graph): failing.\n');
  process.exit(1);
}
process.exit(lint.status ?? 1);
