import { fork } from 'node:child_process';
import path from 'node:path';
import type { LoadJob, LoadResult } from './load-types';

const GENERATOR = path.join(__dirname, 'load-generator.process.ts');

/** Runs one job in a fresh load-generator process (its own event loop and CPU time) and returns what it measured. */
export function runLoad(job: LoadJob): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = fork(GENERATOR, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let settled = false;
    child.once('message', (msg: { result?: LoadResult; error?: string }) => {
      settled = true;
      if (msg.result) resolve(msg.result);
      else reject(new Error(`load generator failed: ${msg.error}`));
    });
    child.once('error', (err) => {
      settled = true;
      reject(err);
    });
    child.once('exit', (code) => {
      if (!settled) reject(new Error(`load generator exited with code ${code} before answering`));
    });
    child.send(job);
  });
}
