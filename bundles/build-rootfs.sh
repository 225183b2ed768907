#!/usr/bin/env bash
# Build a small container root filesystem for the sample bundles and the conformance suite.
#
#   bundles/build-rootfs.sh [--from-host] [--force] [DEST]
#
# DEST defaults to bundles/rootfs next to this script. With busybox-static installed (/bin/busybox)
# the rootfs is that one static binary plus a symlink per applet; otherwise (or with --from-host)
# it is a handful of host binaries plus the shared libraries `ldd` says they need.
# No network is used. A stamp file makes a second run a no-op while its inputs are unchanged.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
from_host=0
force=0
dest=""
for arg in "$@"; do
  case "$arg" in
    --from-host) from_host=1 ;;
    --force) force=1 ;;
    -h|--help) sed -n '2,9p' "${BASH_SOURCE[0]}"; exit 0 ;;
    -*) echo "build-rootfs: unknown option $arg" >&2; exit 2 ;;
    *) dest="$arg" ;;
  esac
done
dest="${dest:-$here/rootfs}"
case "$dest" in /*) ;; *) dest="$PWD/$dest" ;; esac
if [ "$dest" = / ]; then echo "build-rootfs: refusing to build into /" >&2; exit 2; fi

busybox_bin=""
if [ "$from_host" = 0 ]; then
  for candidate in /bin/busybox /usr/bin/busybox; do
    # Only a static busybox works without copying libraries too.
    if [ -x "$candidate" ] && ! ldd "$candidate" >/dev/null 2>&1; then busybox_bin="$candidate"; break; fi
  done
fi

host_tools=(sh ls cat id hostname sleep echo true false env ps)

# The stamp names every input, so a changed script, busybox or host binary triggers a rebuild.
stamp_file="$dest/.build-rootfs-stamp"
stamp="script=$(sha256sum "${BASH_SOURCE[0]}" | cut -d' ' -f1)"
if [ -n "$busybox_bin" ]; then
  stamp="$stamp busybox=$(stat -Lc '%s:%Y' "$busybox_bin")"
else
  for tool in "${host_tools[@]}"; do
    if p="$(type -P "$tool")"; then stamp="$stamp $tool=$(stat -Lc '%s:%Y' "$p")"; fi
  done
fi
parent="$(dirname "$dest")"
mkdir -p "$parent"
# Test files run in parallel and each asks for the rootfs: one builds, the others wait and then
# find the stamp up to date.
exec 9>"$parent/.build-rootfs.lock"
flock 9
if [ "$force" = 0 ] && [ -f "$stamp_file" ] && [ "$(cat "$stamp_file")" = "$stamp" ]; then
  exit 0
fi

# Build next to DEST and swap it in, so an interrupted build never leaves a half rootfs behind.
work="$(mktemp -d "$parent/.rootfs-build.XXXXXX")"
trap 'rm -rf "$work"' EXIT

chmod 0755 "$work"   # mktemp made it 0700; non-root container users must traverse /
mkdir -p "$work"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,run,root,home/test,tmp,var/tmp}
chmod 1777 "$work/tmp" "$work/var/tmp"
chmod 0700 "$work/root"

# Copy one host file (following symlinks) to the same absolute path under the new root.
copy_into_root() {
  local src="$1" target="$work$1"
  mkdir -p "$(dirname "$target")"
  [ -e "$target" ] || cp -L "$src" "$target"
}

if [ -n "$busybox_bin" ]; then
  cp "$busybox_bin" "$work/bin/busybox"
  # --list-full prints each applet with its install path (bin/sh, usr/bin/env, ...), the same layout
  # `busybox --install -s` makes, but without running anything from inside the new root.
  "$busybox_bin" --list-full | while read -r applet_path; do
    case "$applet_path" in bin/busybox|linuxrc) continue ;; esac
    mkdir -p "$work/$(dirname "$applet_path")"
    ln -sf /bin/busybox "$work/$applet_path"
  done
  # awk reads all of busybox's help: a reader that stops early (head) would kill it with
  # SIGPIPE now and then, and pipefail would fail the build.
  source_desc="busybox $("$busybox_bin" 2>&1 | awk 'NR == 1 { print $2 }')"
else
  copied=()
  for tool in "${host_tools[@]}"; do
    p="$(type -P "$tool")" || continue
    cp -L "$p" "$work/bin/$tool"
    copied+=("$p")
    # ldd lines look like "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)" or
    # "/lib64/ld-linux-x86-64.so.2 (0x...)"; vdso has no file and is skipped.
    while read -r lib; do
      copy_into_root "$lib"
    done < <(ldd "$p" 2>/dev/null | sed -n -e 's/.*=> \(\/[^ ]*\) (.*/\1/p' -e 's/^[[:space:]]*\(\/[^ ]*\) (.*/\1/p')
  done
  if [ "${#copied[@]}" = 0 ]; then echo "build-rootfs: found none of: ${host_tools[*]}" >&2; exit 1; fi
  source_desc="host binaries: ${host_tools[*]}"
fi

cat >"$work/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
test:x:1000:1000:test user:/home/test:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >"$work/etc/group" <<'EOF'
root:x:0:
tty:x:5:
users:x:100:test
test:x:1000:
nogroup:x:65534:
EOF
chown 1000:1000 "$work/home/test"
echo "rootfs built by bundles/build-rootfs.sh from $source_desc" >"$work/etc/rootfs-release"
echo "$stamp" >"$work/.build-rootfs-stamp"

if [ -e "$dest" ]; then
  old="$work.old"
  mv "$dest" "$old"
  mv "$work" "$dest"
  rm -rf "$old"
else
  mv "$work" "$dest"
fi
trap - EXIT
