package surveys

import "strconv"

// Respondent keys record who answered, one per survey: the unique index
// on (survey, respondent key) is what counts each respondent once. This
// file owns their format; the store only compares them.
const (
	deviceKeyPrefix = "d:" // the signed respondent cookie's device id
	tokenKeyPrefix  = "t:" // the id of the invitation token's row
	phoneKeyPrefix  = "p:" // a keyed hash of the survey and phone number
	wechatKeyPrefix = "w:" // a keyed hash of the survey and WeChat openid
)

func deviceKey(deviceID string) string { return deviceKeyPrefix + deviceID }

func tokenKey(tokenID uint64) string { return tokenKeyPrefix + strconv.FormatUint(tokenID, 10) }

func phoneKey(hash string) string { return phoneKeyPrefix + hash }

func wechatKey(hash string) string { return wechatKeyPrefix + hash }

// DeviceAnswered reports whether the device (from the respondent cookie)
// already answered the survey. Only device-mode surveys know this before
// a submission; token and phone surveys learn it from the submission.
func (s *Service) DeviceAnswered(p *Published, deviceID string) (bool, error) {
	answered, err := s.store.HasResponded(p.Survey.ID, deviceKey(deviceID))
	return answered, storeErr(err)
}
