import { Progress } from './progress.js';

describe('progress lines', () => {
  const watch = (quiet: boolean) => {
    const lines: string[] = [];
    let now = 0;
    const progress = new Progress(quiet, (line) => lines.push(line), () => now);
    return { lines, progress, advance: (ms: number) => (now += ms) };
  };

  it('prints every line, and ticks at most once a second, none in the first', () => {
    const { lines, progress, advance } = watch(false);
    progress.line('forgetting 3 incidents');
    progress.tick(() => 'row 1');
    advance(1000);
    progress.tick(() => 'row 5000');
    advance(400);
    progress.tick(() => 'row 10000');
    advance(600);
    progress.tick(() => 'row 15000');
    expect(lines).toEqual(['forgetting 3 incidents', 'row 5000', 'row 15000']);
  });

  it('prints nothing with --quiet', () => {
    const { lines, progress, advance } = watch(true);
    progress.line('forgetting 3 incidents');
    advance(5000);
    progress.tick(() => 'row 5000');
    expect(lines).toEqual([]);
  });
});
