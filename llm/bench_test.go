package llm_test

import (
	"context"
	"strings"
	"testing"

	"github.com/socpilot/socpilot/llm/llmtest"
)

// BenchmarkChat measures the client's overhead per call (request building,
// openai-go, response decoding) against the loopback llmtest server, with a
// 2 KB answer, so it is not a model latency figure.
func BenchmarkChat(b *testing.B) {
	answer := strings.Repeat("The host WS-0042 ran an encoded PowerShell command. ", 40)
	for _, mode := range []string{"azure", "openai"} {
		for _, stream := range []bool{false, true} {
			name := mode
			if stream {
				name += "/stream"
			}
			b.Run(name, func(b *testing.B) {
				srv := llmtest.New(b)
				c := newClientB(b, srv, mode)
				var onDelta func(string)
				if stream {
					onDelta = func(string) {}
				}
				for range b.N {
					srv.Reply(answer)
				}
				b.ResetTimer()
				for range b.N {
					if _, err := c.Chat(context.Background(), ask("What happened on WS-0042?"), onDelta); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
