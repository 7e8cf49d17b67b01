#!/usr/bin/env bash
# qemu-system-$VNG_ARCH from QEMU_BACKPORT's tree (scripts/setup.sh), for
# vng --qemu: its trixie binary runs on bookworm through the tree's own
# dynamic loader and libraries, and finds its firmware (OpenSBI) and
# modules in the tree, not in the machine's QEMU.
. "$(dirname "$0")/env.sh"
tree=$(qemu_tree)
export QEMU_MODULE_DIR=$tree/usr/lib/x86_64-linux-gnu/qemu
exec "$tree/usr/lib64/ld-linux-x86-64.so.2" --library-path "$tree/usr/lib/x86_64-linux-gnu" \
	"$tree/usr/bin/qemu-system-$VNG_ARCH" -L "$tree/usr/share/qemu" "$@"
