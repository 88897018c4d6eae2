package surveys

import (
	"errors"
	"fmt"
	"time"

	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
)

// Access is what a staff user may do with one survey, from least to most.
// It is the survey's side of authorization: a route also needs the staff
// role of the route table (a viewer made a collaborator still only reads).
type Access int

// Access levels.
const (
	AccessNone   Access = iota // may not know the survey exists
	AccessRead                 // a reader: results, dashboard, the definition
	AccessEdit                 // a collaborator: edit, publish, close, export, share
	AccessManage               // the owner or an admin: also who the members are
)

// String names the level as the API shows it.
func (a Access) String() string {
	return [...]string{"none", models.MemberReader, models.MemberCollaborator, "owner"}[a]
}

// For names the access as user sees it in the survey list: "admin" for
// an admin, else the level.
func (a Access) For(user models.User) string {
	if user.Role == models.RoleAdmin {
		return models.RoleAdmin
	}
	return a.String()
}

// maxMembers bounds the members of one survey.
const maxMembers = 200

// Member is a staff user with a role on a survey.
type Member struct {
	UserID   uint64    `json:"user_id"`
	Name     string    `json:"name"`
	Role     string    `json:"role"`      // owner, collaborator or reader
	UserRole string    `json:"user_role"` // the staff role: admin, designer or viewer
	Disabled bool      `json:"disabled,omitempty"`
	Since    time.Time `json:"since,omitzero"`
}

// Members is a survey's owner (nil for a survey made before owners existed,
// which only admins manage) and its collaborators and readers.
type Members struct {
	Owner   *Member  `json:"owner"`
	Members []Member `json:"members"`
}

// MemberRef names a staff user by id or by name, with a role.
type MemberRef struct {
	UserID uint64 `json:"user_id,omitempty"`
	Name   string `json:"name,omitempty"`
	Role   string `json:"role,omitempty"`
}

// MembersChange is the whole new member list of a survey; a non-nil Owner
// hands the survey over to that user.
type MembersChange struct {
	Owner   *MemberRef  `json:"owner,omitempty"`
	Members []MemberRef `json:"members"`
}

// SurveyAccess returns what user may do with a survey: admins everything,
// its owner manage, a collaborator edit, a reader read. A user whose staff
// role is viewer never gets more than read. ErrNotFound when there is no
// such survey.
func (s *Service) SurveyAccess(user models.User, surveyID uint64) (Access, error) {
	owner, role, err := s.store.SurveyMembership(surveyID, user.ID)
	if err != nil {
		return AccessNone, storeErr(err)
	}
	return accessOf(user, owner, role), nil
}

// accessOf is the access of user to a survey with that owner, on which the
// user holds role ("" when none).
func accessOf(user models.User, owner *uint64, role string) Access {
	var a Access
	switch {
	case user.Role == models.RoleAdmin:
		return AccessManage
	case owner != nil && *owner == user.ID:
		a = AccessManage
	case role == models.MemberCollaborator:
		a = AccessEdit
	case role == models.MemberReader:
		a = AccessRead
	}
	if user.Role != models.RoleDesigner {
		a = min(a, AccessRead)
	}
	return a
}

// SurveyMembers returns a survey's owner and members.
func (s *Service) SurveyMembers(surveyID uint64) (*Members, error) {
	sv, err := s.store.SurveyByID(surveyID)
	if err != nil {
		return nil, storeErr(err)
	}
	out := &Members{Members: []Member{}}
	if sv.OwnerID != nil {
		u, err := s.store.UserByID(*sv.OwnerID)
		if err != nil && !errors.Is(err, models.ErrNotFound) {
			return nil, storeErr(err)
		}
		if err == nil {
			out.Owner = &Member{UserID: u.ID, Name: u.Name, Role: "owner", UserRole: u.Role, Disabled: u.Disabled, Since: sv.CreatedAt}
		}
	}
	rows, err := s.store.SurveyMembers(surveyID)
	if err != nil {
		return nil, storeErr(err)
	}
	for _, r := range rows {
		out.Members = append(out.Members, Member{UserID: r.UserID, Name: r.Name, Role: r.Role,
			UserRole: r.UserRole, Disabled: r.Disabled, Since: r.CreatedAt})
	}
	return out, nil
}

// SetSurveyMembers replaces a survey's collaborators and readers (and its
// owner when the change names one). Every problem is refused at once as a
// *questionnaire.InvalidError naming the entry: an unknown user, a role
// other than collaborator or reader, a viewer as collaborator, a user
// listed twice or the owner listed as a member.
func (s *Service) SetSurveyMembers(surveyID uint64, ch MembersChange) (*Members, error) {
	sv, err := s.store.SurveyByID(surveyID)
	if err != nil {
		return nil, storeErr(err)
	}
	bad := map[string]string{}
	owner := sv.OwnerID
	if ch.Owner != nil {
		u, reason, err := s.memberUser(*ch.Owner)
		switch {
		case err != nil:
			return nil, err
		case reason != "":
			bad["owner"] = reason
		case u.Disabled || u.Role == models.RoleViewer:
			bad["owner"] = "负责人须为启用的设计者或管理员 the owner must be an enabled designer or admin"
		default:
			owner = &u.ID
		}
	}
	if ch.Members == nil {
		bad["members"] = "必须给出完整的成员列表（空列表即移除全部成员） give the whole member list (an empty list removes every member)"
	}
	if len(ch.Members) > maxMembers {
		bad["members"] = fmt.Sprintf("成员最多%d人 at most %d members", maxMembers, maxMembers)
	}
	var rows []models.SurveyMember
	seen := map[uint64]bool{}
	for i, ref := range ch.Members {
		if len(bad) > 20 || i >= maxMembers {
			break
		}
		field := fmt.Sprintf("members.%d", i)
		u, reason, err := s.memberUser(ref)
		switch {
		case err != nil:
			return nil, err
		case reason != "":
			bad[field] = reason
		case ref.Role != models.MemberCollaborator && ref.Role != models.MemberReader:
			bad[field] = "角色须为 collaborator（协作者）或 reader（查看者） the role must be collaborator or reader"
		case ref.Role == models.MemberCollaborator && u.Role == models.RoleViewer:
			bad[field] = "查看者账号只能作为 reader 加入 a viewer account can only be a reader"
		case owner != nil && u.ID == *owner:
			bad[field] = "负责人已有全部权限 the owner already has every right on the survey"
		case seen[u.ID]:
			bad[field] = "重复列出 listed twice"
		default:
			seen[u.ID] = true
			rows = append(rows, models.SurveyMember{UserID: u.ID, Role: ref.Role})
		}
	}
	if len(bad) > 0 {
		return nil, &questionnaire.InvalidError{Fields: bad}
	}
	if err := s.store.SetSurveyMembers(surveyID, owner, rows); err != nil {
		return nil, storeErr(err)
	}
	return s.SurveyMembers(surveyID)
}

// memberUser finds the user a reference names, or says why it names none.
func (s *Service) memberUser(ref MemberRef) (*models.User, string, error) {
	var u *models.User
	var err error
	switch {
	case ref.UserID != 0:
		u, err = s.store.UserByID(ref.UserID)
	case ref.Name != "" && len(ref.Name) <= 64:
		u, err = s.store.UserByName(ref.Name)
	case ref.Name != "":
		return nil, "没有这个用户 no such user", nil
	default:
		return nil, "请给出 user_id 或 name give a user_id or a name", nil
	}
	if errors.Is(err, models.ErrNotFound) || err == nil && ref.Name != "" && u.Name != ref.Name {
		// MySQL's collation may match a name that differs; only the exact name counts.
		return nil, "没有这个用户 no such user", nil
	}
	if err != nil {
		return nil, "", storeErr(err)
	}
	return u, "", nil
}
