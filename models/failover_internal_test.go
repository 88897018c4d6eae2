package models

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"reflect"
	"testing"

	mysqldriver "github.com/go-sql-driver/mysql"
)

func TestSplitHosts(t *testing.T) {
	cases := []struct {
		name, dsn, want string
		hosts           []string
	}{
		{"one host", "u:p@tcp(db:3306)/minyi", "u:p@tcp(db:3306)/minyi", nil},
		{"three nodes", "u:p@tcp(g1:3306,g2:3307, g3)/minyi?parseTime=true", "u:p@tcp(g1:3306)/minyi?parseTime=true",
			[]string{"g1:3306", "g2:3307", "g3:3306"}},
		{"no tcp", "u@unix(/run/mysqld.sock)/minyi", "u@unix(/run/mysqld.sock)/minyi", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			hosts, dsn := splitHosts(tc.dsn)
			if dsn != tc.want || !reflect.DeepEqual(hosts, tc.hosts) {
				t.Fatalf("got %v %q, want %v %q", hosts, dsn, tc.hosts, tc.want)
			}
			if _, err := mysqldriver.ParseDSN(dsn); err != nil {
				t.Fatalf("the driver cannot parse %q: %v", dsn, err)
			}
		})
	}
}

func TestTransient(t *testing.T) {
	for err, want := range map[error]bool{
		&mysqldriver.MySQLError{Number: 1213}:            true, // deadlock, Galera certification conflict
		&mysqldriver.MySQLError{Number: 1047}:            true, // wsrep not ready
		&mysqldriver.MySQLError{Number: 1205}:            true,
		fmt.Errorf("x: %w", driver.ErrBadConn):           true,
		mysqldriver.ErrInvalidConn:                       true,
		&mysqldriver.MySQLError{Number: 1062}:            false, // a duplicate is an answer
		&mysqldriver.MySQLError{Number: 1146}:            false,
		errors.New("models: tally pass: something else"): false,
	} {
		if got := transient(err); got != want {
			t.Errorf("transient(%v) = %v, want %v", err, got, want)
		}
	}
}

// TestRetryTransient retries a conflict and stops at a real answer.
func TestRetryTransient(t *testing.T) {
	calls := 0
	err := retryTransient(func() error {
		calls++
		if calls < 3 {
			return &mysqldriver.MySQLError{Number: 1213}
		}
		return nil
	})
	if err != nil || calls != 3 {
		t.Fatalf("err %v after %d calls, want nil after 3", err, calls)
	}
	calls = 0
	dup := &mysqldriver.MySQLError{Number: 1062}
	if err := retryTransient(func() error { calls++; return dup }); err != dup || calls != 1 {
		t.Fatalf("duplicate: err %v after %d calls", err, calls)
	}
}
