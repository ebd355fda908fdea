//go:build unix

package emulator

import (
	"os"
	"syscall"
)

// flockDir locks the state directory itself (flock works on a directory's
// descriptor), shared for reads and exclusive for writes, so processes
// that serve the same demo workspace take turns. It adds no file.
func flockDir(dir string, exclusive bool) (unlock func(), err error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX
	}
	for {
		err = syscall.Flock(int(f.Fd()), how)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// fileStamp identifies a version of the state file: a write-rename gives
// it a new inode, so even two writes within the clock's resolution differ.
func fileStamp(fi os.FileInfo) stamp {
	st := stamp{mod: fi.ModTime().UnixNano(), size: fi.Size()}
	if sys, ok := fi.Sys().(*syscall.Stat_t); ok {
		st.ino = uint64(sys.Ino)
	}
	return st
}
