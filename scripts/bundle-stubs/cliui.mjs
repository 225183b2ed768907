// Stand-in for cliui in the bundled CLI. yargs renders its help with cliui, whose
// Unicode width tables cost tens of milliseconds at every start; ocirt prints its
// own runc-style help and never asks yargs for usage text.
export default function cliui() {
  const rows = [];
  return {
    div: (...cols) => rows.push(cols.map((c) => (typeof c === 'string' ? c : c.text)).join(' ')),
    span: (...cols) => rows.push(cols.map((c) => (typeof c === 'string' ? c : c.text)).join(' ')),
    resetOutput: () => { rows.length = 0; },
    toString: () => rows.join('\n'),
  };
}
