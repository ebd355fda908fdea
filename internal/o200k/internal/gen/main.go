// Command gen converts OpenAI's published o200k_base.tiktoken (one
// "base64-token rank" line per token) into the compact table the o200k
// package embeds. It checks the input's SHA-256 against the hash tiktoken
// itself pins, so the table can only be built from the genuine file.
//
//	curl -O https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken
//	go run ./internal/gen -in o200k_base.tiktoken -o o200k_base.bin
package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"slices"
	"strconv"
)

// sourceSHA256 is the hash tiktoken's openai_public.py expects of
// o200k_base.tiktoken.
const sourceSHA256 = "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"

// magic starts the table; o200k.go checks it.
const magic = "o200kv1\n"

func main() {
	in := flag.String("in", "o200k_base.tiktoken", "the published o200k_base.tiktoken")
	out := flag.String("o", "o200k_base.bin", "the table to write")
	flag.Parse()
	if err := run(*in, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(in, out string) error {
	src, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	if sum := sha256.Sum256(src); hex.EncodeToString(sum[:]) != sourceSHA256 {
		return fmt.Errorf("%s: SHA-256 %x, want %s (not the published o200k_base)", in, sum, sourceSHA256)
	}
	var tokens [][]byte // by rank
	sc := bufio.NewScanner(bytes.NewReader(src))
	for sc.Scan() {
		f := bytes.Fields(sc.Bytes())
		if len(f) != 2 {
			return fmt.Errorf("line %d: want \"token rank\"", len(tokens)+1)
		}
		tok, err := base64.StdEncoding.DecodeString(string(f[0]))
		if err != nil {
			return fmt.Errorf("line %d: %w", len(tokens)+1, err)
		}
		rank, err := strconv.Atoi(string(f[1]))
		if err != nil || rank != len(tokens) {
			// The format below stores ranks implicitly, by position.
			return fmt.Errorf("line %d: rank %q, want %d", len(tokens)+1, f[1], len(tokens))
		}
		if len(tok) == 0 || len(tok) > 255 {
			return fmt.Errorf("rank %d: token of %d bytes", rank, len(tok))
		}
		tokens = append(tokens, tok)
	}
	if err := sc.Err(); err != nil {
		return err
	}
	if len(tokens) >= 1<<24 {
		return fmt.Errorf("%d tokens do not fit 3-byte ranks", len(tokens))
	}
	byBytes := make([]int, len(tokens))
	for i := range byBytes {
		byBytes[i] = i
	}
	slices.SortFunc(byBytes, func(a, b int) int { return bytes.Compare(tokens[a], tokens[b]) })

	var b bytes.Buffer
	b.WriteString(magic)
	b.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(tokens))))
	for _, t := range tokens {
		b.WriteByte(byte(len(t)))
	}
	for i, r := range byBytes {
		if i > 0 && bytes.Equal(tokens[byBytes[i-1]], tokens[r]) {
			return fmt.Errorf("ranks %d and %d are the same token", byBytes[i-1], r)
		}
		b.Write([]byte{byte(r), byte(r >> 8), byte(r >> 16)})
	}
	for _, t := range tokens {
		b.Write(t)
	}
	return os.WriteFile(out, b.Bytes(), 0o644)
}
