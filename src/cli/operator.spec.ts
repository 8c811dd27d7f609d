import { operatorName, type OperatorSources } from './operator.js';
import { UsageError } from './usage-error.js';

const noAccount = () => {
  throw new Error('ENOENT: no such file or directory, uv_os_get_passwd');
};

function given(sources: Partial<OperatorSources>): OperatorSources {
  return { env: {}, accountName: () => 'corral', uid: () => 1000, ...sources };
}

describe('the operator a command is recorded as', () => {
  it('is --as when given, whatever the environment says', () => {
    expect(operatorName(given({ as: 'oncall-7', env: { SUDO_USER: 'jdoe', USER: 'root' } }))).toBe('oncall-7');
  });

  it('is the human behind sudo, not root', () => {
    expect(operatorName(given({ env: { SUDO_USER: 'jdoe', USER: 'root' } }))).toBe('jdoe');
  });

  it('is USER without sudo', () => {
    expect(operatorName(given({ env: { USER: 'ops' } }))).toBe('ops');
  });

  it('is the OS account when USER is unset or empty (cron, systemd, docker exec)', () => {
    expect(operatorName(given({ env: {} }))).toBe('corral');
    expect(operatorName(given({ env: { USER: '', SUDO_USER: ' ' }, as: '' }))).toBe('corral');
  });

  it('is the uid when the account has no name (docker run --user 1234)', () => {
    expect(operatorName(given({ accountName: noAccount, uid: () => 1234 }))).toBe('uid:1234');
  });

  it('cannot be guessed when there is not even a uid, and says to use --as', () => {
    expect(() => operatorName(given({ accountName: noAccount, uid: () => undefined }))).toThrow(/--as <account>/);
  });

  it('is refused when it is no account code, naming where it came from', () => {
    expect(() => operatorName(given({ as: 'John Smith' }))).toThrow(UsageError);
    expect(() => operatorName(given({ as: 'John Smith' }))).toThrow(/--as "John Smith" is not an account code/);
    expect(() => operatorName(given({ env: { USER: 'jane.doe@hospital.example' } }))).toThrow(/USER "jane.doe@hospital.example" is not an account code/);
    expect(() => operatorName(given({ env: { SUDO_USER: 'MRN 00123456' } }))).toThrow(/SUDO_USER/);
  });

  it('accepts the names accounts really have', () => {
    for (const name of ['jdoe', 'j.doe', 'svc_corral', 'agent:jdoe', 'ad/jdoe', 'root', 'uid:0']) expect(operatorName(given({ as: name }))).toBe(name);
  });
});
