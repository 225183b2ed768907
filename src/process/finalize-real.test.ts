// The inits' last steps (no_new_privs, umask, fd sweep, dropPrivileges) with the real Sys, in a throw-away Node process that then execs a
// shell: checks what the kernel reports for the new program (ids, capability sets,
// no_new_privs, umask, cwd, inherited fds). Needs root to change user; without root
// it checks that the failure is the expected EPERM.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const here = new URL('.', import.meta.url).pathname;

t.test('the exec-ed program gets exactly the configured credentials and fds', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ocirt-final-'));
  chmodSync(dir, 0o755);
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const script = join(dir, 'child.mjs');
  writeFileSync(script, `
    import { openSync } from 'node:fs';
    import { linuxSys } from ${JSON.stringify(join(here, '../syscall/linux.js'))};
    import { applyUmask, dropPrivileges, setNoNewPrivileges, sweepFds } from ${JSON.stringify(join(here, 'attributes.js'))};
    import { processPlan } from ${JSON.stringify(join(here, '../../test/fakes/plans.js'))};
    const leaked = openSync('/etc/hostname', 'r'); // must not reach the program
    const proc = processPlan({
      cwd: ${JSON.stringify(dir)},
      args: ['sh'],
      noNewPrivileges: true,
      user: { uid: 1000, gid: 1000, additionalGids: [1000, 5], umask: 0o027 },
      capabilities: {
        bounding: ['CAP_CHOWN', 'CAP_NET_BIND_SERVICE'],
        effective: ['CAP_NET_BIND_SERVICE'],
        permitted: ['CAP_NET_BIND_SERVICE'],
        inheritable: ['CAP_NET_BIND_SERVICE'],
        ambient: ['CAP_NET_BIND_SERVICE'],
      },
    });
    try {
      setNoNewPrivileges(linuxSys);
      applyUmask(linuxSys, proc);
      sweepFds(linuxSys, 1);
      dropPrivileges(linuxSys, proc, { warn: (m) => process.stderr.write('warn: ' + m + '\\n') });
    } catch (err) {
      process.stdout.write('error: ' + err.message + '\\n');
      process.exit(3);
    }
    linuxSys.execve('/bin/sh', ['sh', '-c', 'ls /proc/$$/fd; echo ---; id -u; id -g; id -G; grep -E "^(Cap|NoNewPrivs)" /proc/self/status; umask; pwd'], ['PATH=/usr/bin:/bin']);
  `);
  // fd 3 is the one preserved fd.
  const r = spawnSync(process.execPath, [script], { stdio: ['ignore', 'pipe', 'pipe', 'pipe'], encoding: 'utf8', timeout: 30000 });
  const out = r.stdout ?? '';

  if (process.getuid!() !== 0) {
    t.equal(r.status, 3, 'fails without root');
    t.match(out, /EPERM/);
    return;
  }
  t.equal(r.status, 0, `child ran: ${r.stderr}`);
  t.equal(r.stderr, '', 'no warnings');
  // The fd listing comes first, before the shell has made any pipes of its own.
  const [fdPart, rest] = out.split('---\n');
  const fds = fdPart!.trim().split('\n').map(Number).sort((a, b) => a - b);
  const lines = rest!.trim().split('\n');
  t.equal(lines[0], '1000', 'uid');
  t.equal(lines[1], '1000', 'gid');
  t.same(lines[2]!.split(' ').sort(), ['1000', '5'], 'supplementary groups');
  const status = Object.fromEntries(lines.filter((l) => /^(Cap|NoNewPrivs)/.test(l)).map((l) => l.split(/:\s+/)));
  t.equal(status.CapEff, '0000000000000400', 'effective: NET_BIND_SERVICE');
  t.equal(status.CapPrm, '0000000000000400', 'permitted');
  t.equal(status.CapInh, '0000000000000400', 'inheritable');
  t.equal(status.CapAmb, '0000000000000400', 'ambient');
  t.equal(status.CapBnd, '0000000000000401', 'bounding: CHOWN + NET_BIND_SERVICE');
  t.equal(status.NoNewPrivs, '1');
  t.ok(lines.includes('0027'), 'umask');
  t.ok(lines.includes(dir), 'cwd');
  t.same(fds, [0, 1, 2, 3], 'stdio and the one preserved fd only');
});
