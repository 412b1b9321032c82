package service

import "steward/internal/access"

// sodInput is a document's rule as SaveSoDRule takes it.
func sodInput(name string, holdings []string, mode, description string) SoDRuleInput {
	in := SoDRuleInput{Name: name, Mode: access.SoDMode(mode), Description: description, Holdings: []access.Holding{}}
	for _, h := range holdings {
		in.Holdings = append(in.Holdings, access.Holding(h))
	}
	return in
}
