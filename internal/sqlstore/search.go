package sqlstore

import (
	"slices"
	"sort"

	"github.com/socpilot/socpilot"
)

// TurnHit is one turn a search matched.
type TurnHit struct {
	Conversation string
	Seq          int64
	Turn         socpilot.Turn
}

// GroupHits gathers hits (best first) by conversation, conversations in the
// order of their best hit, turns within one in conversation order. header
// reads a conversation without its turns, once per conversation.
func GroupHits(hits []TurnHit, header func(id string) (socpilot.Conversation, error)) ([]socpilot.Conversation, error) {
	out := []socpilot.Conversation{}
	index := map[string]int{}
	var seqs [][]int64
	for _, h := range hits {
		i, ok := index[h.Conversation]
		if !ok {
			c, err := header(h.Conversation)
			if err != nil {
				return nil, err
			}
			i = len(out)
			index[h.Conversation] = i
			out = append(out, c)
			seqs = append(seqs, nil)
		}
		// Insert in seq order; a conversation has few matching turns.
		j := sort.Search(len(seqs[i]), func(k int) bool { return seqs[i][k] > h.Seq })
		seqs[i] = slices.Insert(seqs[i], j, h.Seq)
		out[i].Turns = slices.Insert(out[i].Turns, j, h.Turn)
	}
	return out, nil
}
