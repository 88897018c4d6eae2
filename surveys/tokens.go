package surveys

import (
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
)

// IssuedToken is an invitation as staff hand it out; it is shown once.
type IssuedToken struct {
	Token string `json:"token"`
	Short string `json:"short_code"`
	Unit  string `json:"unit,omitempty"`
}

// MaxTokensPerBatch caps one generation request.
const MaxTokensPerBatch = 10000

// tokenEncoding writes a token's 128 bits as 26 base32 characters.
var tokenEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// shortAlphabet is Crockford's base32: no I, L, O or U, so a code read
// aloud or typed from paper comes out right (normalizeShort maps the rest).
var shortAlphabet = base32.NewEncoding("0123456789ABCDEFGHJKMNPQRSTVWXYZ").WithPadding(base32.NoPadding)

// tokenModeProblems reads survey id and names, by field, what keeps it
// from taking invitations for unit (empty: none): its definition (the
// published one, else the draft) must be in token mode and have the unit.
func (s *Service) tokenModeProblems(id uint64, unit string) (map[string]string, error) {
	d, err := s.SurveyDetail(id)
	if err != nil {
		return nil, err
	}
	def := d.PublishedDefinition
	if def == nil {
		def = d.DraftDefinition
	}
	fields := map[string]string{}
	if def == nil || def.Dedup != questionnaire.DedupToken {
		fields["dedup"] = "问卷须为邀请码模式 the survey must use dedup mode token"
	}
	if unit != "" && def != nil && !slices.ContainsFunc(def.Units, func(u questionnaire.Unit) bool { return u.Code == unit }) {
		fields["unit"] = "本调查没有这个单位 no such unit in this survey"
	}
	return fields, nil
}

// CreateTokens issues n one-time invitations to a token-mode survey,
// optionally for one unit. Tokens carry 128 random bits, short codes 40;
// only their keyed hashes are stored, so this is the one chance to see them.
func (s *Service) CreateTokens(id uint64, n int, unit string) ([]IssuedToken, error) {
	fields, err := s.tokenModeProblems(id, unit)
	if err != nil {
		return nil, err
	}
	if n < 1 || n > MaxTokensPerBatch {
		fields["count"] = fmt.Sprintf("一次可生成1-%d个 between 1 and %d at a time", MaxTokensPerBatch, MaxTokensPerBatch)
	}
	if len(fields) > 0 {
		return nil, &questionnaire.InvalidError{Fields: fields}
	}
	// Short codes have 40 bits: a clash with an earlier batch is rare but
	// possible, and the unique index refuses the batch; draw again.
	for attempt := 0; ; attempt++ {
		out, rows := s.drawTokens(id, n, unit)
		err := s.store.CreateTokens(rows)
		if err == nil {
			return out, nil
		}
		if !errors.Is(err, models.ErrDuplicate) || attempt == 2 {
			return nil, storeErr(err)
		}
	}
}

func (s *Service) drawTokens(id uint64, n int, unit string) ([]IssuedToken, []models.Token) {
	batch := uint64(time.Now().UnixNano())
	out := make([]IssuedToken, n)
	rows := make([]models.Token, n)
	for i := range out {
		t := strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(random(16)))
		short := shortAlphabet.EncodeToString(random(5)) // 8 characters
		out[i] = IssuedToken{Token: t, Short: short, Unit: unit}
		rows[i] = models.Token{SurveyID: id, Hash: s.hash("token", t), ShortHash: s.hash("token", normalizeShort(short)),
			UnitCode: unit, Batch: batch}
	}
	return out, rows
}

// TokenCounts returns how many invitations a survey has and how many answered.
func (s *Service) TokenCounts(id uint64) (total, used int64, err error) {
	total, used, err = s.store.TokenCounts(id, tokenKeyPrefix)
	return total, used, storeErr(err)
}

// normalizeShort lets residents type a short code in any case, with spaces or dashes.
func normalizeShort(code string) string {
	code = strings.ToUpper(strings.NewReplacer(" ", "", "-", "").Replace(code))
	return strings.NewReplacer("O", "0", "I", "1", "L", "1").Replace(code)
}

func random(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return b
}
