package models

import (
	"time"

	"gorm.io/gorm"
)

// Invitation states. A number is claimed (pending → sending) before the
// provider is called and settled after (sent or failed); a row still
// "sending" when the sender starts again was interrupted between the two,
// and becomes "unknown" instead of being sent again: at most once.
const (
	InvitePending = "pending"
	InviteSending = "sending"
	InviteSent    = "sent"
	InviteFailed  = "failed"
	InviteUnknown = "unknown"
	InviteOptOut  = "opted_out"
)

// Delivery outcomes reported by the provider.
const (
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed"
)

// Invitation is one number of a token-mode survey's text-message list: the
// number sealed (and its keyed hash, which finds it in the do-not-contact
// list), the link token sealed alike, so reminders can carry the same link,
// and what became of the messages.
type Invitation struct {
	ID          uint64 `gorm:"primaryKey"`
	SurveyID    uint64 `gorm:"uniqueIndex:idx_invitation_phone,priority:1;index:idx_invitation_state,priority:1"`
	UnitCode    string `gorm:"size:64"`
	PhoneSealed string `gorm:"size:96"`
	PhoneHash   string `gorm:"size:64;uniqueIndex:idx_invitation_phone,priority:2"`
	TokenID     uint64 `gorm:"index"`
	TokenSealed string `gorm:"size:128"`
	State       string `gorm:"size:16;index:idx_invitation_state,priority:2"`
	Reminders   int
	SentAt      *time.Time // the last message: the invitation, then each reminder
	ProviderID  string     `gorm:"size:64;index"`
	Delivery    string     `gorm:"size:16"`
	OpenedAt    *time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// DoNotContact is a number (its keyed hash) that is never texted again, from
// staff's list or the resident's own opt-out reply.
type DoNotContact struct {
	PhoneHash string `gorm:"primaryKey;size:64"`
	Source    string `gorm:"size:16"` // "admin" or "reply"
	CreatedAt time.Time
}

// CreateInvitations stores a list of numbers and their tokens in one
// transaction; a number already on the survey's list is ErrDuplicate.
func (s *Store) CreateInvitations(tokens []Token, invs []Invitation) error {
	return translate(s.W.Transaction(func(tx *gorm.DB) error {
		if err := tx.CreateInBatches(tokens, 500).Error; err != nil {
			return err
		}
		for i := range invs {
			invs[i].TokenID = tokens[i].ID
		}
		return tx.CreateInBatches(invs, 500).Error
	}))
}

// InvitationHashes returns the phone hashes already on a survey's list.
func (s *Store) InvitationHashes(surveyID uint64) (map[string]bool, error) {
	var hs []string
	err := s.R.Model(&Invitation{}).Where("survey_id = ?", surveyID).Pluck("phone_hash", &hs).Error
	out := make(map[string]bool, len(hs))
	for _, h := range hs {
		out[h] = true
	}
	return out, translate(err)
}

// ReconcileInvitations turns the survey's rows left "sending" by a sender
// that stopped between claiming a number and recording the provider's
// answer into "unknown": the message may have gone, so it is not sent again.
func (s *Store) ReconcileInvitations(surveyID uint64) (int64, error) {
	res := s.W.Model(&Invitation{}).Where("survey_id = ? AND state = ?", surveyID, InviteSending).
		Update("state", InviteUnknown)
	return res.RowsAffected, translate(res.Error)
}

// NextPending returns up to n of the survey's numbers not yet sent, in order.
func (s *Store) NextPending(surveyID uint64, n int) ([]Invitation, error) {
	var out []Invitation
	err := s.W.Where("survey_id = ? AND state = ?", surveyID, InvitePending).Order("id").Limit(n).Find(&out).Error
	return out, translate(err)
}

// ClaimInvitation moves a row from one state to another; false when another
// sender changed it first, so each number is claimed once.
func (s *Store) ClaimInvitation(id uint64, from, to string) (bool, error) {
	res := s.W.Model(&Invitation{}).Where("id = ? AND state = ?", id, from).Update("state", to)
	return res.RowsAffected == 1, translate(res.Error)
}

// SettleInvitation records the provider's answer to a claimed row.
func (s *Store) SettleInvitation(id uint64, state, providerID string, at time.Time) error {
	return translate(s.W.Model(&Invitation{}).Where("id = ?", id).
		Updates(map[string]any{"state": state, "provider_id": providerID, "sent_at": at}).Error)
}

// ReminderCandidates returns up to n of the survey's sent numbers after
// afterID that have had fewer than max reminders and whose last message
// is older than before; the caller leaves out those whose token answered.
func (s *Store) ReminderCandidates(surveyID uint64, max int, before time.Time, afterID uint64, n int) ([]Invitation, error) {
	var rows []Invitation
	err := s.W.Where("survey_id = ? AND state = ? AND reminders < ? AND sent_at < ? AND id > ?", surveyID, InviteSent, max, before, afterID).
		Order("id").Limit(n).Find(&rows).Error
	return rows, translate(err)
}

// ClaimReminder counts a reminder before it is sent (at most once: a crash
// after the claim loses that reminder rather than sending it twice).
func (s *Store) ClaimReminder(id uint64, had int, at time.Time) (bool, error) {
	res := s.W.Model(&Invitation{}).Where("id = ? AND reminders = ? AND state = ?", id, had, InviteSent).
		Updates(map[string]any{"reminders": had + 1, "sent_at": at})
	return res.RowsAffected == 1, translate(res.Error)
}

// UnclaimReminder takes back a reminder the provider refused before sending
// anything (its rate limit, the account's settings).
func (s *Store) UnclaimReminder(id uint64, had int, sentAt *time.Time) error {
	return translate(s.W.Model(&Invitation{}).Where("id = ? AND reminders = ?", id, had+1).
		Updates(map[string]any{"reminders": had, "sent_at": sentAt}).Error)
}

// SetReminderProvider records the provider's id of the latest reminder, which
// its delivery report names.
func (s *Store) SetReminderProvider(id uint64, providerID string) error {
	return translate(s.W.Model(&Invitation{}).Where("id = ?", id).Update("provider_id", providerID).Error)
}

// RecordDelivery records a delivery report for the provider's message id;
// false when no invitation carries it.
func (s *Store) RecordDelivery(providerID, outcome string) (bool, error) {
	res := s.W.Model(&Invitation{}).Where("provider_id = ?", providerID).Update("delivery", outcome)
	return res.RowsAffected > 0, translate(res.Error)
}

// MarkOpened records the first opening of an invitation's link.
func (s *Store) MarkOpened(surveyID, tokenID uint64, at time.Time) error {
	return translate(s.W.Model(&Invitation{}).Where("survey_id = ? AND token_id = ? AND opened_at IS NULL", surveyID, tokenID).
		Update("opened_at", at).Error)
}

// AddDoNotContact adds hashes to the do-not-contact list (again is no error).
func (s *Store) AddDoNotContact(hashes []string, source string) error {
	return translate(s.W.Transaction(func(tx *gorm.DB) error {
		for _, h := range hashes {
			if err := tx.Where("phone_hash = ?", h).FirstOrCreate(&DoNotContact{PhoneHash: h, Source: source}).Error; err != nil {
				return err
			}
		}
		return nil
	}))
}

// DoNotContactHas says whether a hash is on the do-not-contact list.
func (s *Store) DoNotContactHas(hash string) (bool, error) {
	var n int64
	err := s.W.Model(&DoNotContact{}).Where("phone_hash = ?", hash).Count(&n).Error
	return n > 0, translate(err)
}

// InvitationRow is what the funnel counts of one invitation.
type InvitationRow struct {
	UnitCode string
	TokenID  uint64
	State    string
	Delivery string
	Opened   bool
}

// InvitationRows returns every invitation of a survey, for the funnel.
func (s *Store) InvitationRows(surveyID uint64) ([]InvitationRow, error) {
	var out []InvitationRow
	err := s.R.Model(&Invitation{}).Select("unit_code, token_id, state, delivery, opened_at IS NOT NULL AS opened").
		Where("survey_id = ?", surveyID).Order("id").Scan(&out).Error
	return out, translate(err)
}

// UsedRespondentKeys returns the survey's respondent keys starting with prefix.
func (s *Store) UsedRespondentKeys(surveyID uint64, prefix string) (map[string]bool, error) {
	var keys []string
	err := s.R.Model(&Response{}).Where("survey_id = ? AND respondent_key LIKE ?", surveyID, prefix+"%").Pluck("respondent_key", &keys).Error
	out := make(map[string]bool, len(keys))
	for _, k := range keys {
		out[k] = true
	}
	return out, translate(err)
}
