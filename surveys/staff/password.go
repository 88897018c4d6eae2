package staff

import (
	"bufio"
	"context"
	_ "embed"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
)

// commonPasswords is the list of the commonest passwords, refused whatever
// their case.
//
//go:embed common-passwords.txt
var commonPasswords string

// common is the list as a set of lower-case passwords; never changed.
var common = passwordSet(commonPasswords)

func passwordSet(list string) map[string]bool {
	set := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(list))
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" && !strings.HasPrefix(line, "#") {
			set[strings.ToLower(line)] = true
		}
	}
	return set
}

// isCommon reports whether pw is on the list of the commonest passwords.
func isCommon(pw string) bool { return common[strings.ToLower(pw)] }

// Old-password checks on a password change, per user per window: a stolen
// session must not become a way to guess the password.
const passwordChecksPerUser = 5

// CheckPassword refuses passwords that are short, all whitespace, among the
// commonest, or too long to be safe with bcrypt.
func CheckPassword(pw string) error {
	switch n := utf8.RuneCountInString(pw); {
	case n < 10:
		return fmt.Errorf("%w: 密码至少10个字符 the password needs at least 10 characters", ErrInvalid)
	case len(pw) > 72:
		return fmt.Errorf("%w: 密码最多72字节 the password is longer than 72 bytes", ErrInvalid)
	case strings.TrimFunc(pw, unicode.IsSpace) == "":
		return fmt.Errorf("%w: 密码不能全是空格 the password cannot be only spaces", ErrInvalid)
	case isCommon(pw):
		return fmt.Errorf("%w: 这是最常见的密码之一，请换一个 this is one of the commonest passwords; choose another", ErrInvalid)
	}
	return nil
}

func (s *Service) hashPassword(pw string) (string, error) {
	if err := CheckPassword(pw); err != nil {
		return "", err
	}
	cost := s.Cost
	if cost == 0 {
		cost = bcrypt.DefaultCost
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pw), cost)
	return string(h), err
}

// ChangePassword sets a new password after checking the old one, and ends
// the user's other sessions. The old-password check is throttled per user.
func (s *Service) ChangePassword(ctx context.Context, sess *Session, old, new string) error {
	if ok, _ := s.Limiter.Allow(ctx, "password-check:"+fmt.Sprint(sess.User.ID), passwordChecksPerUser, loginWindow); !ok {
		return ErrThrottled
	}
	u, err := s.Store.UserByID(sess.User.ID)
	if err != nil {
		return err
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(old)) != nil {
		return ErrBadLogin
	}
	if u.PasswordHash, err = s.hashPassword(new); err != nil {
		return err
	}
	if err := s.Store.SaveUser(u); err != nil {
		return err
	}
	return s.Store.DeleteUserSessions(u.ID, sess.ID)
}
