package analysis

import (
	"fmt"
	"strings"
	"sync"

	"github.com/pkoukk/tiktoken-go"
	tiktoken_loader "github.com/pkoukk/tiktoken-go-loader"
)

// The o200k_base encoding is what GPT-4o and later models use. Its BPE
// ranks are embedded by the offline loader: nothing is downloaded at run time.
var (
	encOnce sync.Once
	enc     *tiktoken.Tiktoken
	encErr  error
)

func encoding() (*tiktoken.Tiktoken, error) {
	encOnce.Do(func() {
		tiktoken.SetBpeLoader(tiktoken_loader.NewOfflineLoader())
		enc, encErr = tiktoken.GetEncoding("o200k_base")
		if encErr != nil {
			encErr = fmt.Errorf("load the o200k_base token encoding: %w", encErr)
		}
	})
	return enc, encErr
}

// CountTokens counts s's tokens with o200k_base. If the encoding cannot be
// loaded it falls back to a conservative estimate (a token per 3 bytes).
func CountTokens(s string) int {
	e, err := encoding()
	if err != nil {
		return len(s)/3 + 1
	}
	return len(e.EncodeOrdinary(s))
}

// EstimateTokens approximates o200k_base's count without loading its
// vocabulary, erring high: three bytes a token (prose runs nearer four;
// random identifiers nearer two), never fewer tokens than words. Memory bookkeeping (when to summarise a conversation) needs no
// more, and ask and chat start without the tokenizer's load time.
func EstimateTokens(s string) int {
	words := len(strings.Fields(s))
	return max(words, (len(s)+2)/3)
}
