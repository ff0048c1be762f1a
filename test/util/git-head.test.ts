import t from 'tap';
import { execa } from 'execa';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gitHead } from '../../harness/util/git-head.ts';

const dir = mkdtempSync(join(tmpdir(), 'bootlab-git-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const git = async (...args: string[]): Promise<string> => (await execa('git', args, { cwd: dir, env: { GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@x', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@x' } })).stdout.trim();

t.test('the checked-out commit, as git rev-parse HEAD says, read from the files alone', async (t) => {
  const repo = join(dir, 'repo');
  await execa('git', ['init', '-q', '-b', 'main', repo]);
  t.equal(gitHead(repo), undefined, 'no commit yet');
  writeFileSync(join(repo, 'f'), '1');
  await git('-C', repo, 'add', 'f');
  await git('-C', repo, 'commit', '-qm', 'one');
  t.equal(gitHead(repo), await git('-C', repo, 'rev-parse', 'HEAD'), 'a loose branch ref');
  await git('-C', repo, 'pack-refs', '--all');
  t.equal(gitHead(repo), await git('-C', repo, 'rev-parse', 'HEAD'), 'a packed ref');
  await git('-C', repo, 'checkout', '-q', '--detach');
  t.equal(gitHead(repo), await git('-C', repo, 'rev-parse', 'HEAD'), 'a detached HEAD');
  await git('-C', repo, 'checkout', '-q', 'main');
  const tree = join(dir, 'worktree');
  await git('-C', repo, 'worktree', 'add', '-q', '-b', 'side', tree);
  writeFileSync(join(tree, 'g'), '2');
  await git('-C', tree, 'add', 'g');
  await git('-C', tree, 'commit', '-qm', 'two');
  t.equal(gitHead(tree), await git('-C', tree, 'rev-parse', 'HEAD'), 'a worktree, with its own branch');
  t.equal(gitHead(dir), undefined, 'not a checkout');
});
