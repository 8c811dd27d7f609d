/**
 * A command line that cannot be carried out as given (an --as that is no account code, --before
 * and --retention both missing): exit 2 with the command's usage, like a refusal by the parser.
 */
export class UsageError extends Error {}
