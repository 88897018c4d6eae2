package handlers

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/skip2/go-qrcode"

	"github.com/minyi-survey/minyi/surveys"
	"github.com/minyi-survey/minyi/surveys/identity/wechat"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
)

// WeChat sign-in (dedup mode wechat). In WeChat's browser /s/{slug} sends
// a resident who is not signed in to WeChat's silent OAuth, which comes
// back to /s/{slug}/wechat/callback; the callback sets wechatCookie, a
// signed, short-lived cookie with the per-survey hash of the openid (never
// the openid), and goes back to the page. Outside WeChat the page asks to
// open the link in WeChat, with a QR code of it.

// wechatCookie carries a resident's WeChat sign-in to one survey.
const wechatCookie = "minyi_wx"

// wechatCookieTTL is how long a sign-in lasts: time to answer, not more.
const wechatCookieTTL = 2 * time.Hour

// Errors of WeChat sign-in.
var (
	errWeChatRequired = &apiError{http.StatusUnauthorized, "wechat_required",
		"请在微信中打开问卷链接后再提交 open the survey link in WeChat, then submit (WeChat sign-in missing or expired)"}
	errNoWeChat = &apiError{http.StatusServiceUnavailable, "wechat_unavailable",
		"本问卷需微信登录，但服务器未配置微信公众号，暂时无法作答 this survey needs WeChat sign-in, which this server has not set up; it cannot be answered here"}
)

// wechatPage is the data of the wechat.html template.
type wechatPage struct {
	Title   string
	Status  int
	Heading string // Chinese first, then English
	English string
	Message string
	Link    string       // the survey's address (outside WeChat)
	QR      template.URL // a data: URL of the link's QR code (outside WeChat)
	Retry   string       // where to start the sign-in again
}

// wechatGate decides a wechat-mode page request: done is true when it
// answered (a redirect to sign in, or a page instead of the survey).
func (a *App) wechatGate(c echo.Context, p *surveys.Published, device string) (done bool, err error) {
	if !a.svc.WeChatOn() {
		return true, a.renderWeChat(c, http.StatusServiceUnavailable, wechatPage{
			Heading: "暂时无法作答", English: "This survey cannot be answered here",
			Message: errNoWeChat.Message,
		})
	}
	if a.wechatSignedIn(c, p) != "" {
		return false, nil
	}
	link := a.publicBase(c) + c.Request().URL.RequestURI()
	if !wechat.IsWeChat(c.Request().UserAgent()) {
		png, err := qrcode.Encode(link, qrcode.Medium, 256)
		if err != nil {
			return true, err
		}
		return true, a.renderWeChat(c, http.StatusOK, wechatPage{
			Heading: "请在微信中打开", English: "Please open in WeChat",
			Message: "本问卷需在微信中作答：请用微信扫描下方二维码，或把链接发到微信中打开 this survey is answered in WeChat: scan the QR code with WeChat, or send the link to WeChat and open it there",
			Link:    link, QR: template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png)),
		})
	}
	back := url.Values{}
	if u := c.Param("unit"); u != "" {
		back.Set("u", u)
	}
	redirect := a.publicBase(c) + "/s/" + p.Survey.Slug + "/wechat/callback"
	if len(back) > 0 {
		redirect += "?" + back.Encode()
	}
	to, err := a.svc.WeChatAuthorizeURL(p, redirect, wechatBind(device))
	if err != nil {
		return true, err
	}
	return true, c.Redirect(http.StatusFound, to)
}

// GetWeChatCallback handles GET /s/:slug/wechat/callback?code=&state=[&u=]:
// WeChat's redirect after sign-in. 302 back to the survey with the sign-in
// cookie · 404 not a wechat-mode survey · 400 a state forged, expired or used before, or a code WeChat
// refuses (a page with a link to start again) · 403 a snapshot-page
// virtual account · 503 WeChat or the store unavailable.
func (a *App) GetWeChatCallback(c echo.Context) error {
	p, err := a.published(c)
	if err != nil {
		return err
	}
	if !wechatMode(p) {
		return surveys.ErrNotFound
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	page := "/s/" + p.Survey.Slug
	if u := c.QueryParam("u"); u != "" && p.Compiled.Unit(u) != nil {
		page += "/u/" + url.PathEscape(u)
	}
	device := a.deviceID(c)
	hash, err := a.svc.WeChatSignIn(c.Request().Context(), p, c.QueryParam("code"), c.QueryParam("state"), wechatBind(device))
	var apiErr *wechat.APIError
	switch {
	case err == nil:
	case errors.Is(err, surveys.ErrNoWeChat):
		return errNoWeChat
	case errors.Is(err, wechat.ErrStateUsed), errors.Is(err, wechat.ErrStateForged), errors.Is(err, wechat.ErrStateExpired):
		return a.renderWeChat(c, http.StatusBadRequest, wechatPage{
			Heading: "登录链接已失效", English: "This sign-in link is no longer valid",
			Message: strings.TrimPrefix(err.Error(), "wechat: "), Retry: page,
		})
	case errors.Is(err, wechat.ErrCode):
		return a.renderWeChat(c, http.StatusBadRequest, wechatPage{
			Heading: "微信登录未完成", English: "WeChat sign-in did not complete",
			Message: "授权码无效或已过期，请重新打开问卷 the sign-in code is invalid or expired; open the survey again", Retry: page,
		})
	case errors.Is(err, wechat.ErrSnapshot):
		return a.renderWeChat(c, http.StatusForbidden, wechatPage{
			Heading: "请使用完整服务", English: "Open the full page",
			Message: "请点击页面底部的“使用完整服务”后作答 tap 使用完整服务 (use the full service) at the bottom of the page, then answer", Retry: page,
		})
	default:
		if errors.As(err, &apiErr) && errors.Is(err, wechat.ErrConfig) {
			slog.Error("wechat: the account is misconfigured (MINYI_WECHAT_APPID, MINYI_WECHAT_SECRET, IP whitelist)", slog.Any("error", err))
		} else {
			slog.Warn("wechat: sign-in failed", slog.Any("error", err))
		}
		return a.renderWeChat(c, http.StatusServiceUnavailable, wechatPage{
			Heading: "微信登录暂时不可用", English: "WeChat sign-in is unavailable",
			Message: "请稍后重新打开问卷 open the survey again in a moment", Retry: page,
		})
	}
	exp := a.cfg.Clock().Add(wechatCookieTTL).Unix()
	payload := strconv.FormatUint(p.Survey.ID, 10) + "." + hash + "." + strconv.FormatInt(exp, 10)
	c.SetCookie(&http.Cookie{
		Name: wechatCookie, Value: payload + "." + a.signWeChat(a.cfg.Secret, payload), Path: "/",
		MaxAge: int(wechatCookieTTL.Seconds()), HttpOnly: true, Secure: a.secure(c), SameSite: http.SameSiteLaxMode,
	})
	return c.Redirect(http.StatusFound, page)
}

// wechatSignedIn is the openid hash of the request's sign-in cookie when
// it is valid for p and not expired, else "".
func (a *App) wechatSignedIn(c echo.Context, p *surveys.Published) string {
	ck, err := c.Cookie(wechatCookie)
	if err != nil {
		return ""
	}
	parts := strings.Split(ck.Value, ".")
	if len(parts) != 4 || parts[0] != strconv.FormatUint(p.Survey.ID, 10) {
		return ""
	}
	payload := strings.Join(parts[:3], ".")
	ok := hmac.Equal([]byte(parts[3]), []byte(a.signWeChat(a.cfg.Secret, payload)))
	if !ok && len(a.cfg.SecretPrevious) > 0 {
		ok = hmac.Equal([]byte(parts[3]), []byte(a.signWeChat(a.cfg.SecretPrevious, payload)))
	}
	exp, err := strconv.ParseInt(parts[2], 10, 64)
	if !ok || err != nil || !a.cfg.Clock().Before(time.Unix(exp, 0)) {
		return ""
	}
	return parts[1]
}

func (a *App) signWeChat(secret []byte, payload string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("wechat-signin:" + payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// wechatBind ties a sign-in state to the browser's respondent cookie,
// hashed so that the device id does not travel to WeChat.
func wechatBind(device string) string {
	if device == "" {
		return ""
	}
	sum := sha256.Sum256([]byte("wechat-bind:" + device))
	return base64.RawURLEncoding.EncodeToString(sum[:12])
}

// publicBase is the scheme and host residents reach this server at.
func (a *App) publicBase(c echo.Context) string {
	scheme := "http"
	if a.secure(c) {
		scheme = "https"
	}
	return scheme + "://" + c.Request().Host
}

func (a *App) renderWeChat(c echo.Context, status int, page wechatPage) error {
	page.Status = status
	page.Title = page.Heading + " " + page.English
	c.Response().Header().Set("Cache-Control", "no-store")
	return a.render(c, status, "wechat.html", page)
}

// wechatMode reports whether p is a wechat-mode survey.
func wechatMode(p *surveys.Published) bool { return p.Compiled.Def.Dedup == questionnaire.DedupWeChat }
