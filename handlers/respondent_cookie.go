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
	ck, err := c.Cookie(cookieName)
	if err != nil {
		return ""
	}
	id, sig, ok := strings.Cut(ck.Value, ".")
	if !ok || len(id) != 22 || !hmac.Equal([]byte(sig), []byte(a.sign(id))) {
		return ""
	}
	return id
}

// ensureDevice returns the request's device id, issuing a new signed
// cookie when the request has none.
func (a *App) ensureDevice(c echo.Context) string {
	if id := a.deviceID(c); id != "" {
		return id
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	id := base64.RawURLEncoding.EncodeToString(b)
	c.SetCookie(&http.Cookie{
		Name:     cookieName,
		Value:    id + "." + a.sign(id),
		Path:     "/",
		MaxAge:   int(cookieMaxAge.Seconds()),
		HttpOnly: true,
		Secure:   a.secure(c),
		SameSite: http.SameSiteLaxMode,
	})
	return id
}

func (a *App) sign(id string) string {
	m := hmac.New(sha256.New, a.cfg.Secret)
	m.Write([]byte("respondent:" + id))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}
