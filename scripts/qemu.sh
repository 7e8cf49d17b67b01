#!/usr/bin/env bash
# qemu-system-$VNG_ARCH from QEMU_BACKPORT's tree (scripts/setup.sh), for
# vng --qemu: its trixie binary runs on bookworm through the tree's own
# dynamic loader and libraries, and finds its firmware (OpenSBI) and
# modules in the tree, not in the machine's QEMU. The tree is the host's
# architecture, whatever that is: its one loader says where its libraries are.
. "$(dirname "$0")/env.sh"
tree=$(qemu_tree)
loaders=("$tree"/usr/lib/*-linux-gnu*/ld-linux*.so.*)
[ ${#loaders[@]} = 1 ] && [ -x "${loaders[0]}" ] ||
	die "$tree: no single dynamic loader in usr/lib/*-linux-gnu*/ (found: ${loaders[*]})"
libdir=$(dirname "${loaders[0]}")
export QEMU_MODULE_DIR=$libdir/qemu
exec "${loaders[0]}" --library-path "$libdir" \
	"$tree/usr/bin/qemu-system-$VNG_ARCH" -L "$tree/usr/share/qemu" "$@"
