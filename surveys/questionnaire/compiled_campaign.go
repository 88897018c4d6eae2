package questionnaire

// campaignIndex holds, per unit, its place in Def.Units and which areas
// apply to it.
type campaignIndex struct {
	unitAt  map[string]int
	applies map[string][]bool // unit code → per area index; nil: every area
}

func (c *Compiled) indexCampaign() {
	d := c.Def
	c.campaign = campaignIndex{unitAt: map[string]int{}, applies: map[string][]bool{}}
	byCat := map[string][]bool{}
	for _, cat := range d.Categories {
		if len(cat.Areas) == 0 {
			continue
		}
		in := map[string]bool{}
		for _, a := range cat.Areas {
			in[a] = true
		}
		mask := make([]bool, len(d.Areas))
		for i, a := range d.Areas {
			mask[i] = in[a.Code]
		}
		byCat[cat.Code] = mask
	}
	for i, u := range d.Units {
		c.campaign.unitAt[u.Code] = i
		if m := byCat[u.Category]; m != nil {
			c.campaign.applies[u.Code] = m
		}
	}
}

// Unit returns the unit with that code, or nil.
func (c *Compiled) Unit(code string) *Unit {
	i, ok := c.campaign.unitAt[code]
	if !ok {
		return nil
	}
	return &c.Def.Units[i]
}

// AreaApplies reports whether the area at index area of the definition
// applies to the unit: always for "" (the whole sample), for units without
// a category and for categories that list no areas.
func (c *Compiled) AreaApplies(unit string, area int) bool {
	m := c.campaign.applies[unit]
	return m == nil || (area >= 0 && area < len(m) && m[area])
}

// Category returns the category with that code, or nil.
func (c *Compiled) Category(code string) *Category {
	for i := range c.Def.Categories {
		if c.Def.Categories[i].Code == code {
			return &c.Def.Categories[i]
		}
	}
	return nil
}

// ForUnit is the definition as a resident of the unit sees it: only the
// areas that apply to the unit, each with the unit's own summary where it
// has one, the unit alone in Units and no other unit's data. The
// definition itself is not changed.
func (c *Compiled) ForUnit(code string) *Definition {
	u := c.Unit(code)
	if u == nil {
		return c.Def
	}
	d := *c.Def
	d.Areas = nil
	for i, a := range c.Def.Areas {
		if !c.AreaApplies(code, i) {
			continue
		}
		if s := u.Summaries[a.Code]; s != "" {
			a.Summary = s
		}
		d.Areas = append(d.Areas, a)
	}
	d.Units = []Unit{{Code: u.Code, Name: u.Name, Category: u.Category, Target: u.Target}}
	d.Categories = nil
	if cat := c.Category(u.Category); cat != nil {
		d.Categories = []Category{*cat}
	}
	d.Quotas = nil
	return &d
}

// Directory is the definition without the units' summaries and quotas:
// what an open link to a survey with units shows before a resident picks
// a unit (a campaign's summaries run to hundreds of kilobytes).
func (c *Compiled) Directory() *Definition {
	d := *c.Def
	d.Units = make([]Unit, len(c.Def.Units))
	for i, u := range c.Def.Units {
		d.Units[i] = Unit{Code: u.Code, Name: u.Name, Category: u.Category, Target: u.Target}
	}
	return &d
}

// IsCampaign reports whether the survey's units differ in what their
// residents see (categories or their own summaries): residents then reach
// a unit's own page and never answer for one picked in a shared form.
func (c *Compiled) IsCampaign() bool {
	if len(c.Def.Categories) > 0 {
		return true
	}
	for _, u := range c.Def.Units {
		if len(u.Summaries) > 0 {
			return true
		}
	}
	return false
}
