// Stand-in for string-width in the bundled CLI (see cliui.mjs): only yargs' help
// layout measures strings, and ocirt does not use it.
export default function stringWidth(s) {
  return String(s).length;
}
