//go:build !unix

package main

import "os"

// Without flock the serve lock is advisory only: one serve per state
// directory is the operator's to keep.
func tryLock(*os.File) error { return nil }

func unlock(*os.File) {}
