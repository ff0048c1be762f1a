import t from 'tap';
import { plural, shellCommand, shellWord } from '../../harness/util/text.ts';

t.test('shell words are quoted only where sh would split or expand them', async (t) => {
  t.equal(shellWord('/a/b-c_d.e:f=g,h@i%j+k'), '/a/b-c_d.e:f=g,h@i%j+k');
  t.equal(shellWord("it's $HOME *"), `'it'\\''s $HOME *'`);
  t.equal(shellWord(''), "''");
  t.equal(shellCommand(['make', 'CC=ccache gcc', 'O=/b']), "make 'CC=ccache gcc' O=/b");
});

t.test('a count with its noun', async (t) => {
  t.equal(plural(1, 'job'), '1 job');
  t.equal(plural(3, 'job'), '3 jobs');
  t.equal(plural(0, 'patch', 'patches'), '0 patches');
});
