package loopback

import "testing"

func TestHost(t *testing.T) {
	tests := map[string]bool{
		"localhost": true, "LOCALHOST": true, "127.0.0.1": true, "127.1.2.3": true, "::1": true, "[::1]": true,
		"127.example.com": false, "127.0.0.1.nip.io": false, "10.0.0.1": false, "example.com": false, "": false, "::ffff:8.8.8.8": false,
	}
	for host, want := range tests {
		if got := Host(host); got != want {
			t.Errorf("Host(%q) = %v, want %v", host, got, want)
		}
	}
}

func TestHostPort(t *testing.T) {
	tests := map[string]bool{
		"127.0.0.1:8080": true, "localhost:80": true, "[::1]:8080": true, "localhost": true, "[::1]": true,
		"0.0.0.0:8080": false, "example.com:8080": false, "10.0.0.1": false, ":8080": false,
	}
	for hp, want := range tests {
		if got := HostPort(hp); got != want {
			t.Errorf("HostPort(%q) = %v, want %v", hp, got, want)
		}
	}
}
