package surveys

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"

	"github.com/minyi-survey/minyi/surveys/identity/wechat"
)

// WeChat sign-in for wechat mode. In WeChat's browser the page sends the
// resident through WeChat's silent web OAuth (snsapi_base); the callback
// trades the code for the openid, and the respondent key is a keyed hash
// of the survey and the openid: the openid itself is neither stored nor
// put in a cookie, and one resident's keys differ from survey to survey.
// Without MINYI_WECHAT_* a wechat-mode survey can be saved and published
// but not answered: its page says so, and submissions are refused.

// Errors of WeChat sign-in; the wechat package's (ErrStateForged,
// ErrStateExpired, ErrStateUsed, ErrCode, ErrSnapshot, an *APIError)
// reach the caller as they are.
var (
	// ErrNoWeChat: the server has no WeChat account configured, so a
	// wechat-mode survey cannot be answered here.
	ErrNoWeChat = errors.New("surveys: WeChat sign-in is not configured (MINYI_WECHAT_*)")
	// ErrWeChatRequired: a wechat-mode submission without a signed-in
	// resident (no valid sign-in cookie).
	ErrWeChatRequired = errors.New("surveys: sign in with WeChat first")
)

// UseWeChat turns WeChat sign-in on for wechat-mode surveys.
func (s *Service) UseWeChat(c *wechat.Client) { s.wx = c }

// WeChatOn reports whether WeChat sign-in is configured.
func (s *Service) WeChatOn() bool { return s.wx != nil }

// wechatScope is what a sign-in's state is for: one survey.
func wechatScope(p *Published) string { return "survey:" + strconv.FormatUint(p.Survey.ID, 10) }

// WeChatAuthorizeURL is where WeChat's browser goes to sign in to p
// silently, coming back to redirectURI; bind identifies the browser (its
// respondent cookie) so that the state works only there, once.
func (s *Service) WeChatAuthorizeURL(p *Published, redirectURI, bind string) (string, error) {
	if s.wx == nil {
		return "", ErrNoWeChat
	}
	return s.wx.AuthorizeURL(redirectURI, s.wx.NewState(wechatScope(p), bind)), nil
}

// respondentHash is the shape of a WeChat respondent hash (s.hash).
var respondentHash = regexp.MustCompile(`^[0-9a-f]{32}$`)

// WeChatSignIn checks the state of a callback to p (signed for p and bind,
// not used before) and trades code for the resident's openid; it returns
// the per-survey hash of the openid, for the sign-in cookie. A state error
// is checked before WeChat is asked, so a replayed callback spends nothing.
func (s *Service) WeChatSignIn(ctx context.Context, p *Published, code, state, bind string) (string, error) {
	if s.wx == nil {
		return "", ErrNoWeChat
	}
	if err := s.wx.CheckState(ctx, state, wechatScope(p), bind); err != nil {
		if errors.Is(err, wechat.ErrStateForged) || errors.Is(err, wechat.ErrStateExpired) || errors.Is(err, wechat.ErrStateUsed) {
			return "", err
		}
		return "", fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	id, err := s.wx.Exchange(ctx, code)
	if err != nil {
		return "", err
	}
	return s.hash("wechat", fmt.Sprintf("%d:%s", p.Survey.ID, id.OpenID)), nil
}

// wechatRespondent is the respondent key of a wechat-mode submission.
func (s *Service) wechatRespondent(hash string) (string, error) {
	switch {
	case s.wx == nil:
		return "", ErrNoWeChat
	case !respondentHash.MatchString(hash):
		return "", ErrWeChatRequired
	}
	return wechatKey(hash), nil
}

// WeChatAnswered reports whether the resident signed in as hash (from the
// sign-in cookie) already answered p, for the page to say so at once.
func (s *Service) WeChatAnswered(p *Published, hash string) (bool, error) {
	key, err := s.wechatRespondent(hash)
	if err != nil {
		return false, err
	}
	answered, err := s.store.HasResponded(p.Survey.ID, key)
	return answered, storeErr(err)
}
