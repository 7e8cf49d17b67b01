#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Sets up, inside the guest, what the tests need from it; one piece per
# argument, each left as it is when already there:
#   zram_swap     1 GiB of swap on zram (reclaim, swap-out of mTHP)
#   ext4_on_loop  a block filesystem at /tmp/rwp-dio (O_DIRECT GUPs)
#   cgroup2       the cgroup v2 hierarchy (memory.reclaim)
#   hugetlb_2m    two 2 MiB hugetlb pages, reserved as run_vmtests.sh does
# Exits non-zero on the first piece that could not be set up.
set -e
for piece in "$@"; do
	case "$piece" in
	zram_swap)
		grep -q zram0 /proc/swaps && continue
		echo 1G > /sys/block/zram0/disksize
		mkswap -q /dev/zram0
		swapon /dev/zram0
		;;
	ext4_on_loop)
		mountpoint -q /tmp/rwp-dio && continue
		mkdir -p /tmp/rwp-dio
		truncate -s 64M /tmp/rwp-dio.img
		mkfs.ext4 -q -F /tmp/rwp-dio.img
		mount -t ext4 "$(losetup -f --show /tmp/rwp-dio.img)" /tmp/rwp-dio
		;;
	cgroup2)
		mountpoint -q /sys/fs/cgroup || mount -t cgroup2 none /sys/fs/cgroup
		;;
	hugetlb_2m)
		echo 2 > /proc/sys/vm/nr_hugepages
		grep -q '^HugePages_Free: *2$' /proc/meminfo
		;;
	*)
		echo "guest-setup.sh: no piece '$piece'" >&2
		exit 2
		;;
	esac
done
