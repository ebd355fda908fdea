//go:build !unix

package emulator

import "os"

// flockDir has no cross-process lock on this platform: writers within one
// process are still serialised, and every operation re-reads a state file
// another process changed.
func flockDir(string, bool) (func(), error) { return func() {}, nil }

func fileStamp(fi os.FileInfo) stamp {
	return stamp{mod: fi.ModTime().UnixNano(), size: fi.Size()}
}
