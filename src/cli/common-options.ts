/** What the commands that print data or act on the database share (see corral.ts). */
export interface CommonOptions {
  /** Pure JSON on stdout, nothing else there. */
  json?: boolean;
  /** No progress lines on stderr. */
  quiet?: boolean;
  /** The operator named in the audit trail (see operator.ts). */
  as?: string;
}
