package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/minyi-survey/minyi/surveys/limit"
	"github.com/minyi-survey/minyi/surveys/staff"
)

// adminCommand runs "minyi admin create --user NAME --role ROLE": the
// password comes from a prompt on a terminal, else from the first line of
// standard input.
func adminCommand(args []string, getenv func(string) string, stdin io.Reader, out io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return fmt.Errorf("usage: minyi admin create --user NAME --role admin|designer|viewer [server flags]")
	}
	var name, role string
	cfg, err := parseFlags("minyi admin create", args[1:], getenv, out, func(fs *flag.FlagSet) {
		fs.StringVar(&name, "user", "", "the new user's name")
		fs.StringVar(&role, "role", "designer", "admin, designer or viewer")
	})
	if err != nil {
		return err
	}
	password, err := readPassword(stdin, out)
	if err != nil {
		return err
	}
	store, err := openStore(cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	if err := store.Migrate(); err != nil {
		return err
	}
	st := &staff.Service{Store: store, Limiter: limit.NewMemory()}
	u, err := st.CreateUser(name, role, password)
	if err != nil {
		return err
	}
	if err := st.Audit(nil, "user.create", nil, nil, fmt.Sprintf("%s (%s) from the command line", u.Name, u.Role)); err != nil {
		return err
	}
	fmt.Fprintf(out, "created %s (%s)\n", u.Name, u.Role)
	return nil
}

func readPassword(stdin io.Reader, out io.Writer) (string, error) {
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(out, "密码 Password: ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(out)
		return string(b), err
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && line == "" {
		return "", fmt.Errorf("read the password from standard input: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}
