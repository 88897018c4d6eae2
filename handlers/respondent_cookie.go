package handlers

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// cookieName is the signed respondent cookie that identifies a device.
const cookieName = "minyi_rid"

const cookieMaxAge = 400 * 24 * time.Hour

// deviceID returns the verified device id of the request's respondent
// cookie, or "" when it is missing or forged.
func (a *App) deviceID(c echo.Context) string {
	id, _ := a.verifiedDevice(c)
	return id
}

// verifiedDevice returns the device id of the request's respondent cookie
// and whether it is signed with the current secret; a cookie signed with
// the previous secret (MINYI_SECRET_PREVIOUS, while rotating) is valid too.
func (a *App) verifiedDevice(c echo.Context) (id string, current bool) {
	ck, err := c.Cookie(cookieName)
	if err != nil {
		return "", false
	}
	id, sig, ok := strings.Cut(ck.Value, ".")
	if !ok || len(id) != 22 {
		return "", false
	}
	if hmac.Equal([]byte(sig), []byte(sign(a.cfg.Secret, id))) {
		return id, true
	}
	if len(a.cfg.SecretPrevious) > 0 && hmac.Equal([]byte(sig), []byte(sign(a.cfg.SecretPrevious, id))) {
		return id, false
	}
	return "", false
}

// ensureDevice returns the request's device id, issuing a new signed
// cookie when the request has none, and signing again with the current
// secret a cookie signed with the previous one (same device id).
func (a *App) ensureDevice(c echo.Context) string {
	id, current := a.verifiedDevice(c)
	if current {
		return id
	}
	if id == "" {
		b := make([]byte, 16)
		_, _ = rand.Read(b) // crypto/rand.Read never fails
		id = base64.RawURLEncoding.EncodeToString(b)
	}
	c.SetCookie(&http.Cookie{
		Name:     cookieName,
		Value:    id + "." + sign(a.cfg.Secret, id),
		Path:     "/",
		MaxAge:   int(cookieMaxAge.Seconds()),
		HttpOnly: true,
		Secure:   a.secure(c),
		SameSite: http.SameSiteLaxMode,
	})
	return id
}

func sign(secret []byte, id string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("respondent:" + id))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}
