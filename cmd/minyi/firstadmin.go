package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
)

// firstPasswordFile is where the first admin's password goes when standard
// output is not a terminal (a service manager, a container log).
const firstPasswordFile = "first-admin-password.txt"

// showFirstPassword tells the first admin's generated password to the
// person starting the server, never to a log: on a terminal it is printed;
// otherwise it is written once to a file in the data dir that only this
// user can read, and the output says where.
func showFirstPassword(out io.Writer, terminal bool, dataDir, base, password string) error {
	if terminal {
		fmt.Fprintf(out, "  管理 staff:      %s/admin  user admin, password %s (shown once; change it after signing in)\n\n", base, password)
		return nil
	}
	path := filepath.Join(dataDir, firstPasswordFile)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		// Left from an earlier first start whose admin was then removed:
		// never overwrite it, and never fall back to the log.
		return fmt.Errorf("the first admin's password would go to %s, which exists: delete it and start again", path)
	}
	if err != nil {
		return fmt.Errorf("write the first admin's password: %w", err)
	}
	_, werr := fmt.Fprintf(f, "Minyi %s/admin\nuser: admin\npassword: %s\n\n"+
		"Sign in, change the password, then delete this file.\n登录并修改密码后，请删除此文件。\n", base, password)
	if err := errors.Join(werr, f.Close()); err != nil {
		return fmt.Errorf("write the first admin's password: %w", err)
	}
	slog.Warn("the first admin's password is in a file only this user can read: sign in as admin, change it, then delete the file",
		slog.String("file", path))
	fmt.Fprintf(out, "  管理 staff:      %s/admin  user admin, password in %s (change it after signing in, then delete the file)\n\n", base, path)
	return nil
}
