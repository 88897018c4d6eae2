package surveys

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys/cati"
	"github.com/minyi-survey/minyi/surveys/identity/sms"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
)

// Text-message invitations of token-mode surveys: staff upload a list of
// numbers per unit; each number gets its own one-time token, sealed with
// the number (cati.Vault) so that reminders carry the same link. Sending
// is paced and resumable: a number is claimed ("sending") before the
// provider is called and settled after, and a claim found unsettled when
// the sender starts again becomes "unknown" and is never sent again — at
// most once, since a resident texted twice is worse than one missed.

// MaxInvitationsPerUpload caps one uploaded list.
const MaxInvitationsPerUpload = 10000

// chinaTime is mainland China's time (no daylight saving), in which the
// allowed sending hours are read.
var chinaTime = time.FixedZone("CST", 8*3600)

// UseSMS sets the provider invitations and reminders are sent through;
// nil turns them off.
func (s *Service) UseSMS(p sms.Provider) { s.sms = p }

// SMSOn says whether invitations can be texted.
func (s *Service) SMSOn() bool { return s.sms != nil }

// InvitationUpload is the outcome of one uploaded list.
type InvitationUpload struct {
	Added      int      `json:"added"`
	Duplicates int      `json:"duplicates"`
	Invalid    []string `json:"invalid,omitempty"` // the lines that hold no mobile number, as "line N"
}

// AddInvitations adds numbers to a token-mode survey's invitation list for
// one unit (or none), issuing each its token. Numbers already on the list
// are counted as duplicates; lines without a mobile number are listed.
func (s *Service) AddInvitations(id uint64, unit string, phones []string) (InvitationUpload, error) {
	var out InvitationUpload
	fields, err := s.tokenModeProblems(id, unit)
	if err != nil {
		return out, err
	}
	if len(phones) == 0 || len(phones) > MaxInvitationsPerUpload {
		fields["phones"] = fmt.Sprintf("一次可上传1-%d个号码 between 1 and %d numbers at a time", MaxInvitationsPerUpload, MaxInvitationsPerUpload)
	}
	if len(fields) > 0 {
		return out, &questionnaire.InvalidError{Fields: fields}
	}
	v, err := s.vault()
	if err != nil {
		return out, err
	}
	have, err := s.store.InvitationHashes(id)
	if err != nil {
		return out, storeErr(err)
	}
	batch := uint64(time.Now().UnixNano())
	var tokens []models.Token
	var invs []models.Invitation
	for i, raw := range phones {
		if strings.TrimSpace(raw) == "" {
			continue
		}
		phone, err := cati.NormalizeMobile(raw)
		if err != nil {
			out.Invalid = append(out.Invalid, fmt.Sprintf("line %d", i+1))
			continue
		}
		hash, err := v.Hash(phone)
		if err != nil {
			return out, err
		}
		if have[hash] {
			out.Duplicates++
			continue
		}
		have[hash] = true
		sealed, err := v.Seal(phone)
		if err != nil {
			return out, err
		}
		tok := strings.ToLower(tokenEncoding.EncodeToString(random(16)))
		link, err := v.SealLink(tok)
		if err != nil {
			return out, err
		}
		tokens = append(tokens, models.Token{SurveyID: id, Hash: s.hash("token", tok),
			ShortHash: s.hash("token", normalizeShort(shortAlphabet.EncodeToString(random(5)))), UnitCode: unit, Batch: batch})
		invs = append(invs, models.Invitation{SurveyID: id, UnitCode: unit, PhoneSealed: sealed, PhoneHash: hash,
			TokenSealed: link, State: models.InvitePending})
	}
	if len(invs) == 0 {
		return out, nil
	}
	if err := s.store.CreateInvitations(tokens, invs); err != nil {
		return out, storeErr(err)
	}
	out.Added = len(invs)
	return out, nil
}

// AddDoNotContact puts numbers on the do-not-contact list, which every
// send checks first; it returns how many lines held a number.
func (s *Service) AddDoNotContact(phones []string, source string) (int, error) {
	v, err := s.vault()
	if err != nil {
		return 0, err
	}
	var hashes []string
	for _, raw := range phones {
		phone, err := cati.NormalizeMobile(raw)
		if err != nil {
			continue
		}
		h, err := v.Hash(phone)
		if err != nil {
			return 0, err
		}
		hashes = append(hashes, h)
	}
	return len(hashes), storeErr(s.store.AddDoNotContact(hashes, source))
}

// IsOptOutReply says whether a resident's reply asks for no more messages:
// 退订, TD or T (the carriers' usual words), in any case and spacing.
func IsOptOutReply(text string) bool {
	t := strings.ToUpper(strings.Join(strings.Fields(text), ""))
	switch t {
	case "TD", "T", "退订", "N", "STOP":
		return true
	}
	return strings.Contains(t, "退订")
}

// RecordDelivery records a provider's delivery report of a message id;
// false when no invitation carries it.
func (s *Service) RecordDelivery(providerID string, delivered bool) (bool, error) {
	outcome := models.DeliveryFailed
	if delivered {
		outcome = models.DeliveryDelivered
	}
	ok, err := s.store.RecordDelivery(providerID, outcome)
	return ok, storeErr(err)
}

// InvitationOpened records the first opening of an invitation link; a
// token that is not an invitation's changes nothing.
func (s *Service) InvitationOpened(surveyID uint64, token string, at time.Time) error {
	t, err := s.store.TokenByHash(surveyID, s.hash("token", token), "-")
	if errors.Is(err, models.ErrNotFound) {
		return nil
	}
	if err != nil {
		return storeErr(err)
	}
	return storeErr(s.store.MarkOpened(surveyID, t.ID, at))
}

// FunnelStep counts one unit's invitations at each step.
type FunnelStep struct {
	Unit      string `json:"unit"`
	Listed    int    `json:"listed"`
	Sent      int    `json:"sent"` // accepted by the provider (or unknown after an interrupted run)
	Delivered int    `json:"delivered"`
	Opened    int    `json:"opened"`
	Completed int    `json:"completed"`
	Failed    int    `json:"failed"`
	OptedOut  int    `json:"opted_out"`
	Pending   int    `json:"pending"`
}

// InvitationFunnel returns the funnel per unit, sent → delivered → opened
// → completed, in the units' order of first appearance, then the total.
func (s *Service) InvitationFunnel(id uint64) ([]FunnelStep, error) {
	rows, err := s.store.InvitationRows(id)
	if err != nil {
		return nil, storeErr(err)
	}
	used, err := s.store.UsedRespondentKeys(id, tokenKeyPrefix)
	if err != nil {
		return nil, storeErr(err)
	}
	index := map[string]int{}
	var out []FunnelStep
	total := FunnelStep{Unit: "*"}
	for _, r := range rows {
		i, ok := index[r.UnitCode]
		if !ok {
			i = len(out)
			index[r.UnitCode] = i
			out = append(out, FunnelStep{Unit: r.UnitCode})
		}
		for _, f := range []*FunnelStep{&out[i], &total} {
			f.Listed++
			switch r.State {
			case models.InviteSent, models.InviteUnknown:
				f.Sent++
			case models.InviteFailed:
				f.Failed++
			case models.InviteOptOut:
				f.OptedOut++
			case models.InvitePending, models.InviteSending:
				f.Pending++
			}
			if r.Delivery == models.DeliveryDelivered {
				f.Delivered++
			}
			if r.Opened {
				f.Opened++
			}
			if used[tokenKey(r.TokenID)] {
				f.Completed++
			}
		}
	}
	return append(out, total), nil
}
