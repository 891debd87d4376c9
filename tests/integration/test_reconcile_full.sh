#!/usr/bin/env bash
# Reconcile never stops at one bad entry. xpan_bindings is filled to the
# brim from outside (as a damaged or hostile state would leave it), then
# a reload adds an address to b1: the reload succeeds, the failed update
# is logged and noted on b1, everything else is applied (the stale
# entries are pruned), and the retry timer adds the address, which then
# answers. A restart over a full table starts too.
. "$(dirname "$0")/../lib/netns.sh"
. "$(dirname "$0")/../lib/hardening.sh"

hd_add_ip()
{
	local l
	l=$(grep -n -m1 "^  - name: $1\$" "$XIT_CFG" | cut -d: -f1)
	sed -i "$l,\$ {/^    ips: /{s#]#, $2]#;:a;n;ba}}" "$XIT_CFG"
}

# fill_bindings N: N junk static bindings in VLAN 4000, 10.99.x.y.
fill_bindings()
{
	local n=$1 i f=$XIT_TMP/fill.batch
	for ((i = 0; i < n; i++)); do
		printf 'map update pinned %s/xpan_bindings key 0xa0 0x0f 0 0 10 99 %d %d value 2 0 0 0 0 1 1 0 1 0 0 0\n' \
			"$XIT_BPFFS" $((i / 250)) $((i % 250 + 1))
	done >"$f"
	bpftool batch file "$f" >/dev/null
}

bindings_count()
{
	bpftool -j map dump pinned "$XIT_BPFFS/xpan_bindings" | jq length
}

bindings_below()
{
	local n
	n=$(bindings_count)
	[[ "$n" =~ ^[0-9]+$ ]] && [ "$n" -lt "$1" ]
}

log_has()
{
	grep -q -- "$1" "$XIT_CTRLD_LOG"
}

xit_platform_up tc
have=$(bindings_count)
fill_bindings $((16384 - have))
xit_expect_eq "xpan_bindings is full" "$(bindings_count)" 16384

hd_add_ip b1 10.20.0.11/24
xit_expect_ok "reload adding 10.20.0.11 to b1 succeeds over a full table" xit_xpan reload
xit_expect_ok "the failed update was logged and noted on b1, naming the table" \
	log_has "node b1: cannot add 10.20.0.11 to xpan_bindings"
xit_expect_ok "the rest was applied: the stale entries were pruned" \
	xit_wait_for 10 bindings_below 100
xit_expect_ok "the update was retried" \
	xit_wait_for 20 log_has "retrying failed updates"
xit_expect_ok "b2 pings 10.20.0.11 once the retry added it" \
	xit_wait_for 20 xit_ns b2 ping -c 1 -W 1 10.20.0.11
xit_expect_eq "b1's note is clear after the retry" "$(xit_node_field b1 note)" ""
xit_expect_ok "r1 pings r2 throughout" xit_ns r1 ping -c 2 -i 0.2 -W 2 10.10.0.2

# A start over a full table.
xit_stop_ctrld TERM
have=$(bindings_count)
fill_bindings $((16384 - have))
xit_expect_eq "xpan_bindings is full again" "$(bindings_count)" 16384
xit_start_ctrld
xit_expect_ok "xpan-ctrld started over a full table" xit_xpan status
xit_expect_ok "and pruned it" xit_wait_for 10 bindings_below 100
xit_expect_ok "b2 pings 10.20.0.11 after the restart" \
	xit_wait_for 20 xit_ns b2 ping -c 1 -W 1 10.20.0.11
xit_summary
