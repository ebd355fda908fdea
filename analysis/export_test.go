package analysis

// MatchAI exposes the detector of text aimed at AI assistants to the
// external tests, which check that no such text reaches a prompt outside
// the fence.
var MatchAI = matchAI

// DigestText is the digest text the analysis sends, counted only when needed.
var DigestText = digestText
