// The container's own session keyring, named as runc names it (skipped with
// --no-new-keyring); Sys.joinSessionKeyring joins it on the calling thread, which then execs.

/** The name of the session keyring of container `id`. */
export function sessionKeyringName(id: string): string {
  return `_ses.${id}`;
}
