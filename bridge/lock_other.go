//go:build !unix

package bridge

import "os"

// lockFile opens path; where there is no flock, a data directory is not
// guarded against a second server.
func lockFile(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
}

func unlockFile(f *os.File) {
	if f != nil {
		f.Close()
	}
}
