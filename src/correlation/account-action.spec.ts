import { accountAction } from './account-action.js';

describe('accountAction', () => {
  it('keeps corral’s own action names, and reads other providers’ codes by their words', () => {
    expect(accountAction('mfa.failure', 'Authentication of user via MFA (failed)')).toBe('mfa.failure');
    expect(accountAction('duo:error', 'Duo Push authentication failed (error) - push not delivered to device')).toBe('mfa.failure');
    expect(accountAction('[redacted:id]', 'Sign-in failure: Authentication failed during strong authentication request')).toBe('mfa.failure');
    expect(accountAction('[redacted:id]', 'Sign-in failure: Account is locked because user tried to sign in too many times')).toBe('user.locked');
    expect(accountAction('50126', 'Sign-in failure: Invalid username or password')).toBe('password.failure');
    // A factor given back is the fix of one person's trouble, not another failure of it.
    expect(accountAction('duo:phone_reset', 'Duo: user re-enrolled a new phone for push')).toBe('mfa.reset');
  });

  it('tells a second factor answered by someone else from the provider failing, and leaves what it cannot read as it came', () => {
    expect(accountAction('duo:user_marked_fraud', 'Duo Push denied and reported as fraudulent by user')).toBe('mfa.fraud');
    expect(accountAction('riskDetection:anonymizedIPAddress', 'Identity Protection risk detection')).toBe('mfa.fraud');
    expect(accountAction('x-1234', 'Group membership synchronised')).toBe('x-1234');
    expect(accountAction(undefined, 'something else')).toBe('');
  });
});
