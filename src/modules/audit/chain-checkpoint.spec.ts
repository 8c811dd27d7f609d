import { appendFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChainKeys } from '../../actors/chain-keys.js';
import { appendCheckpoint, latestCheckpoint, signCheckpoint, type ChainCheckpoint } from './chain-checkpoint.js';

const keys = new ChainKeys(['spec-chain-key-0123456789abcdefghijklmnop']);
const heads = (lastId: string): ChainCheckpoint => ({ v: 1, at: '2026-12-05T10:00:00.000Z', audit: { lastId, headHash: 'ab'.repeat(32) }, journal: { rows: '42', chains: '3' } });
const fileIn = () => join(mkdtempSync(join(tmpdir(), 'corral-checkpoint-')), 'nested', 'chain-checkpoints.jsonl');

describe('chain checkpoints', () => {
  it('reads back the latest checkpoint appended, signed with the chain key', () => {
    const file = fileIn();
    appendCheckpoint(file, signCheckpoint(keys, heads('7')));
    appendCheckpoint(file, signCheckpoint(keys, heads('9')));

    expect(latestCheckpoint(file, keys)).toEqual({ checkpoint: expect.objectContaining({ audit: { lastId: '9', headHash: 'ab'.repeat(32) } }) as unknown, problem: null });
  });

  it('has nothing to say without a file, and reports a latest line that is edited or signed with another key', () => {
    expect(latestCheckpoint(fileIn(), keys)).toEqual({ checkpoint: null, problem: null });

    const edited = fileIn();
    appendCheckpoint(edited, signCheckpoint(keys, heads('9')));
    appendFileSync(edited, `${JSON.stringify({ ...signCheckpoint(keys, heads('9')), audit: { lastId: '3', headHash: 'cd'.repeat(32) } })}\n`);
    expect(latestCheckpoint(edited, keys)).toEqual({ checkpoint: null, problem: expect.stringMatching(/not signed with the chain key/) as unknown });

    const foreign = fileIn();
    appendCheckpoint(foreign, signCheckpoint(new ChainKeys(['someone-elses-key-0123456789abcdefghij']), heads('3')));
    expect(latestCheckpoint(foreign, keys).problem).toMatch(/not signed with the chain key/);
    // After a rotation the old key is retired, and its checkpoints still read.
    expect(latestCheckpoint(foreign, new ChainKeys(['n'.repeat(32), 'someone-elses-key-0123456789abcdefghij'])).checkpoint?.audit.lastId).toBe('3');
  });
});
