#!/usr/bin/env bash
# Installs every Debian package xpan needs to build, test, demo and bench.
# Idempotent: packages already present are left alone, and apt is only asked
# when something is missing.
set -euo pipefail

PKGS=(
	build-essential pkg-config clang llvm
	libbpf-dev libxdp-dev xdp-tools bpftool libelf-dev zlib1g-dev
	liburing-dev libnl-3-dev libnl-route-3-dev
	libsqlite3-dev sqlite3 libyaml-dev libcriterion-dev libjansson-dev
	libclang-rt-14-dev
	iproute2 iputils-ping ethtool tcpdump iperf3 nftables procps psmisc
	libiscsi-bin libiscsi-dev libssl-dev tgt fio
	jq python3
)

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "deps: all ${#PKGS[@]} packages present"
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing ${missing[*]}; run as root to install them" >&2
	exit 1
fi

echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
