package cati

// Counts are cases per AAPOR group, each case counted once by its
// disposition (see Standing).
type Counts struct {
	I  int `json:"i"`
	P  int `json:"p"`
	R  int `json:"r"`
	NC int `json:"nc"`
	O  int `json:"o"`
	UH int `json:"uh"`
	UO int `json:"uo"`
	NE int `json:"ne"`
}

// Add counts one case with disposition d.
func (c *Counts) Add(d Disposition) {
	switch d.Category {
	case Complete:
		c.I++
	case Partial:
		c.P++
	case Refusal:
		c.R++
	case NonContact:
		c.NC++
	case OtherEligible:
		c.O++
	case UnknownHousehold:
		c.UH++
	case UnknownOther:
		c.UO++
	case NotEligible:
		c.NE++
	}
}

// Rates are AAPOR outcome rates (0-1), each null when its denominator is
// zero.
type Rates struct {
	// E is the estimated share of eligible cases among those of unknown
	// eligibility (UH + UO), by the proportional rule: among cases whose
	// eligibility was resolved, e = (I+P+R+NC+O) / (I+P+R+NC+O + NE).
	E     *float64 `json:"e"`
	RR1   *float64 `json:"rr1"`
	RR3   *float64 `json:"rr3"`
	COOP1 *float64 `json:"coop1"`
	REF1  *float64 `json:"ref1"`
	CON1  *float64 `json:"con1"`
}

// Rates computes RR1, RR3, COOP1, REF1 and CON1 with the formulas of
// AAPOR's Standard Definitions (METHODOLOGY.md, "Telephone samples"):
//
//	RR1   = I / ((I+P) + (R+NC+O) + (UH+UO))
//	RR3   = I / ((I+P) + (R+NC+O) + e(UH+UO))
//	COOP1 = I / ((I+P) + R + O)
//	REF1  = R / ((I+P) + (R+NC+O) + (UH+UO))
//	CON1  = ((I+P) + R + O) / ((I+P) + (R+NC+O) + (UH+UO))
//
// When no case's eligibility is resolved e is unknown, and RR3 with it
// unless there are no cases of unknown eligibility to weigh.
func (c Counts) Rates() Rates {
	eligible := float64(c.I + c.P + c.R + c.NC + c.O)
	unknown := float64(c.UH + c.UO)
	all := eligible + unknown
	var r Rates
	if eligible+float64(c.NE) > 0 {
		r.E = ratio(eligible, eligible+float64(c.NE))
	}
	r.RR1 = ratio(float64(c.I), all)
	switch {
	case r.E != nil:
		r.RR3 = ratio(float64(c.I), eligible+*r.E*unknown)
	case unknown == 0:
		r.RR3 = r.RR1
	}
	r.COOP1 = ratio(float64(c.I), float64(c.I+c.P+c.R+c.O))
	r.REF1 = ratio(float64(c.R), all)
	r.CON1 = ratio(float64(c.I+c.P+c.R+c.O), all)
	return r
}

func ratio(num, den float64) *float64 {
	if den == 0 {
		return nil
	}
	v := num / den
	return &v
}
