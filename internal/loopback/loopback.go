// Package loopback decides whether a host is this machine. socpilot allows
// plain HTTP, and with it a bearer token in clear, only to such a host (a
// local emulator), so the check parses the address instead of matching a
// prefix: "127.example.com" is a remote name, not a loopback address.
package loopback

import (
	"net"
	"net/netip"
	"strings"
)

// Host reports whether host (a name or an address, IPv6 with or without
// brackets) is localhost or a loopback address.
func Host(host string) bool {
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.IsLoopback()
}

// HostPort reports whether the host of hostport (a Host header or a listen
// address, with or without a port) is a loopback name or address.
func HostPort(hostport string) bool {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return Host(h)
	}
	return Host(hostport)
}
