package chatui

import (
	"bytes"
	"strconv"
	"strings"

	xansi "github.com/charmbracelet/x/ansi"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// The transcript's Markdown is rendered here, on goldmark's parser (already
// in the binary for the Sentinel comment HTML) and a few SGR styles. This
// replaced glamour, which linked chroma with every lexer and style, an HTML
// sanitiser and a CSS parser (about 4 MB of the binary) for what the chat
// shows: headings, paragraphs, emphasis, code, lists, quotes and tables.
// The look follows glamour's dark and light sheets, so the screen reads as
// before; lists now hang their continuation lines under the item's text.

// parser is goldmark with the GitHub extensions a model's answer uses.
// Raw HTML is parsed as such and never rendered: tags are dropped, their
// text kept, as glamour did with bluemonday's strict policy.
var parser = goldmark.New(goldmark.WithExtensions(extension.Table, extension.Strikethrough, extension.TaskList)).Parser()

// margin is the document margin, as glamour's.
const margin = "  "

// theme is a set of SGR parameter strings ("" draws plain).
type theme struct {
	text, h1, heading, code, codeBlock, link, linkText, rule, quote string
}

var (
	darkTheme = theme{
		text: "38;5;252", h1: "38;5;228;48;5;63;1", heading: "38;5;39;1",
		code: "38;5;203;48;5;236", codeBlock: "38;5;244", link: "38;5;30;4", linkText: "38;5;35;1",
		rule: "38;5;240", quote: "38;5;244",
	}
	lightTheme = theme{
		text: "38;5;234", h1: "38;5;228;48;5;63;1", heading: "38;5;27;1",
		code: "38;5;203;48;5;254", codeBlock: "38;5;242", link: "38;5;36;4", linkText: "38;5;29;1",
		rule: "38;5;249", quote: "38;5;242",
	}
)

// markdown renders Markdown for the transcript. It holds no state: building
// one is free, unlike glamour's renderer, which compiled its style sheet.
type markdown struct{}

// render returns md rendered for the terminal at width columns, margin
// included. The input is cleaned first and the output filtered to SGR
// styling only (see sanitize.go): character references such as "&#27;" are
// decoded here, so the second filter is what keeps the output inert.
func (markdown) render(md string, width int, dark bool) string {
	md = cleanText(md)
	th := &darkTheme
	if !dark {
		th = &lightTheme
	}
	src := []byte(md)
	doc := parser.Parse(text.NewReader(src))
	r := renderer{src: src, th: th}
	lines := r.blocks(doc, max(width-len(margin), 1))
	var b strings.Builder
	for i, l := range lines {
		if i > 0 {
			b.WriteByte('\n')
		}
		if l != "" {
			b.WriteString(margin)
			b.WriteString(l)
		}
	}
	return keepSGR(b.String())
}

// renderer walks one parsed document.
type renderer struct {
	src []byte
	th  *theme
}

// sgr wraps s in the SGR parameters p.
func sgr(p, s string) string {
	if p == "" || s == "" {
		return s
	}
	return "\x1b[" + p + "m" + s + "\x1b[m"
}

// blocks renders n's block children at width, a blank line between blocks
// (none in a tight list item).
func (r *renderer) blocks(n ast.Node, width int) []string {
	var out []string
	tight := false
	if li, ok := n.(*ast.ListItem); ok {
		if l, ok := li.Parent().(*ast.List); ok {
			tight = l.IsTight
		}
	}
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		lines := r.block(c, width)
		if len(lines) == 0 {
			continue
		}
		if len(out) > 0 && !tight {
			out = append(out, "")
		}
		out = append(out, lines...)
	}
	return out
}

func (r *renderer) block(n ast.Node, width int) []string {
	switch n := n.(type) {
	case *ast.Heading:
		s := r.inline(n)
		if n.Level == 1 {
			return wrap(sgr(r.th.h1, " "+s+" "), width)
		}
		return wrap(sgr(r.th.heading, strings.Repeat("#", n.Level)+" "+s), width)
	case *ast.Paragraph, *ast.TextBlock:
		return wrap(sgr(r.th.text, r.inline(n)), width)
	case *ast.ThematicBreak:
		return []string{sgr(r.th.rule, strings.Repeat("-", min(8, width)))}
	case *ast.CodeBlock, *ast.FencedCodeBlock:
		return r.code(n, width)
	case *ast.Blockquote:
		inner := r.blocks(n, max(width-2, 1))
		for i, l := range inner {
			inner[i] = sgr(r.th.quote, "│ ") + l
		}
		return inner
	case *ast.List:
		return r.list(n, width)
	case *ast.HTMLBlock:
		var b strings.Builder
		lines := n.Lines()
		for i := 0; i < lines.Len(); i++ {
			seg := lines.At(i)
			b.Write(seg.Value(r.src))
		}
		s := strings.TrimSpace(stripTags(b.String()))
		if s == "" {
			return nil
		}
		return wrap(sgr(r.th.text, s), width)
	case *east.Table:
		return r.table(n, width)
	}
	// Anything else: its blocks, or its text.
	if n.FirstChild() != nil && n.FirstChild().Type() == ast.TypeBlock {
		return r.blocks(n, width)
	}
	return wrap(r.inline(n), width)
}

// code renders a code block as it is, indented, long lines cut at width.
func (r *renderer) code(n ast.Node, width int) []string {
	var b bytes.Buffer
	lines := n.Lines()
	for i := 0; i < lines.Len(); i++ {
		seg := lines.At(i)
		b.Write(seg.Value(r.src))
	}
	body := strings.TrimRight(b.String(), "\n")
	if body == "" {
		return nil
	}
	var out []string
	for _, l := range strings.Split(body, "\n") {
		for _, w := range strings.Split(xansi.Hardwrap(l, max(width-2, 1), true), "\n") {
			out = append(out, "  "+sgr(r.th.codeBlock, w))
		}
	}
	return out
}

// list renders items under their markers, continuation lines hanging under
// the item's text.
func (r *renderer) list(l *ast.List, width int) []string {
	var out []string
	num := l.Start
	for it := l.FirstChild(); it != nil; it = it.NextSibling() {
		marker := "• "
		if l.IsOrdered() {
			marker = strconv.Itoa(num) + ". "
			num++
		}
		body := r.blocks(it, max(width-len(marker), 1))
		if len(out) > 0 && !l.IsTight {
			out = append(out, "")
		}
		if len(body) == 0 {
			out = append(out, sgr(r.th.text, strings.TrimRight(marker, " ")))
			continue
		}
		pad := strings.Repeat(" ", xansi.StringWidth(marker))
		for i, line := range body {
			if i == 0 {
				out = append(out, sgr(r.th.text, marker)+line)
			} else if line == "" {
				out = append(out, "")
			} else {
				out = append(out, pad+line)
			}
		}
	}
	return out
}

// table renders a GitHub table with glamour's rules, its columns narrowed
// (widest first) and their cells wrapped when the table is wider than the
// screen.
func (r *renderer) table(t *east.Table, width int) []string {
	var rows [][]string
	header := 0
	for row := t.FirstChild(); row != nil; row = row.NextSibling() {
		var cells []string
		for c := row.FirstChild(); c != nil; c = c.NextSibling() {
			cells = append(cells, r.inline(c))
		}
		if _, ok := row.(*east.TableHeader); ok {
			header = len(rows) + 1
		}
		rows = append(rows, cells)
	}
	cols := 0
	for _, row := range rows {
		cols = max(cols, len(row))
	}
	if cols == 0 {
		return nil
	}
	// w is each column's width, word its longest word's: columns are
	// narrowed widest first, down to their longest word, and only then
	// further, cutting words.
	w, word := make([]int, cols), make([]int, cols)
	for _, row := range rows {
		for i, c := range row {
			w[i] = max(w[i], xansi.StringWidth(c))
			for _, f := range strings.Fields(xansi.Strip(c)) {
				word[i] = max(word[i], xansi.StringWidth(f))
			}
		}
	}
	// Each column has a space either side; columns are parted by "│".
	avail := width - 3*cols + 1
	for _, floor := range [][]int{word, nil} {
		for sum(w) > avail {
			widest := -1
			for i := range w {
				if w[i] > 3 && (floor == nil || w[i] > floor[i]) && (widest < 0 || w[i] > w[widest]) {
					widest = i
				}
			}
			if widest < 0 {
				break
			}
			w[widest]--
		}
	}
	var out []string
	for ri, row := range rows {
		cells := make([][]string, cols)
		height := 1
		for i := range cols {
			c := ""
			if i < len(row) {
				c = row[i]
			}
			cells[i] = strings.Split(xansi.Wrap(c, w[i], ""), "\n")
			height = max(height, len(cells[i]))
		}
		for h := range height {
			var b strings.Builder
			for i := range cols {
				if i > 0 {
					b.WriteString(sgr(r.th.rule, "│"))
				}
				s := ""
				if h < len(cells[i]) {
					s = strings.TrimRight(cells[i][h], " ")
				}
				b.WriteString(" " + sgr(r.th.text, s) + strings.Repeat(" ", max(w[i]-xansi.StringWidth(s), 0)+1))
			}
			out = append(out, strings.TrimRight(b.String(), " "))
		}
		if ri+1 == header {
			parts := make([]string, cols)
			for i := range cols {
				parts[i] = strings.Repeat("─", w[i]+2)
			}
			out = append(out, sgr(r.th.rule, strings.Join(parts, "┼")))
		}
	}
	return out
}

func sum(w []int) int {
	s := 0
	for _, v := range w {
		s += v
	}
	return s
}

// inline renders n's inline children as one styled string; hard line
// breaks are newlines.
func (r *renderer) inline(n ast.Node) string {
	var b strings.Builder
	r.inlines(&b, n)
	return b.String()
}

func (r *renderer) inlines(b *strings.Builder, n ast.Node) {
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		r.inlineNode(b, c)
	}
}

func (r *renderer) inlineNode(b *strings.Builder, n ast.Node) {
	switch n := n.(type) {
	case *ast.Text:
		v := n.Segment.Value(r.src)
		if !n.IsRaw() {
			v = resolve(v)
		}
		b.WriteString(cleanText(string(v)))
		switch {
		case n.HardLineBreak():
			b.WriteByte('\n')
		case n.SoftLineBreak():
			b.WriteByte(' ')
		}
	case *ast.String:
		v := n.Value
		if !n.IsRaw() && !n.IsCode() {
			v = resolve(v)
		}
		b.WriteString(cleanText(string(v)))
	case *ast.CodeSpan:
		var code strings.Builder
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			switch t := c.(type) {
			case *ast.Text:
				code.Write(t.Segment.Value(r.src))
			case *ast.String:
				code.Write(t.Value)
			}
		}
		// Padded with no-break spaces, as glamour did, so that a wrap never
		// parts the padding from the code.
		b.WriteString(sgr(r.th.code, "\u00a0"+cleanText(code.String())+"\u00a0"))
	case *ast.Emphasis:
		p := "3"
		if n.Level >= 2 {
			p = "1"
		}
		r.styled(b, p, n)
	case *east.Strikethrough:
		r.styled(b, "9", n)
	case *ast.Link:
		label := r.inline(n)
		b.WriteString(sgr(r.th.linkText, label))
		if dest := cleanText(string(n.Destination)); dest != "" && xansi.Strip(label) != dest {
			b.WriteString(" " + sgr(r.th.link, dest))
		}
	case *ast.AutoLink:
		b.WriteString(sgr(r.th.link, cleanText(string(n.URL(r.src)))))
	case *ast.Image:
		alt := r.inline(n)
		b.WriteString("Image: " + alt)
		if dest := cleanText(string(n.Destination)); dest != "" {
			b.WriteString(" → " + sgr(r.th.link, dest))
		}
	case *east.TaskCheckBox:
		if n.IsChecked {
			b.WriteString("[✓] ")
		} else {
			b.WriteString("[ ] ")
		}
	case *ast.RawHTML:
		// A tag: dropped, and the text around it kept.
	default:
		r.inlines(b, n)
	}
}

// styled writes n's children with the SGR parameters p added, then brings
// back the paragraph's text style, which the reset inside sgr ended.
func (r *renderer) styled(b *strings.Builder, p string, n ast.Node) {
	inner := r.inline(n)
	if inner == "" {
		return
	}
	b.WriteString(sgr(p, inner))
	if r.th.text != "" {
		b.WriteString("\x1b[" + r.th.text + "m")
	}
}

// resolve decodes backslash escapes and character references in Markdown
// text, as an HTML renderer would.
func resolve(v []byte) []byte {
	if bytes.IndexByte(v, '\\') < 0 && bytes.IndexByte(v, '&') < 0 {
		return v
	}
	return util.ResolveEntityNames(util.ResolveNumericReferences(util.UnescapePunctuations(v)))
}

// stripTags removes HTML tags from s, keeping the text between them.
func stripTags(s string) string {
	var b strings.Builder
	in := false
	for _, c := range s {
		switch {
		case c == '<':
			in = true
		case c == '>' && in:
			in = false
		case !in:
			b.WriteRune(c)
		}
	}
	return b.String()
}

// wrap word-wraps a styled string to width (a word longer than the line is
// cut) and makes each line carry its own styling: a style open at the end of
// a line is closed there and opened again at the start of the next, so
// margins and indents added later stay unstyled.
func wrap(s string, width int) []string {
	lines := strings.Split(xansi.Wrap(s, width, ""), "\n")
	active := ""
	for i, l := range lines {
		l = strings.TrimRight(l, " ")
		open := active
		active = trackSGR(active, l)
		if open != "" {
			l = open + l
		}
		if active != "" {
			l += "\x1b[m"
		}
		lines[i] = l
	}
	return lines
}

// trackSGR returns the SGR sequences in force after line, given those in
// force before it: everything since the last reset.
func trackSGR(active, line string) string {
	for i := 0; i < len(line); {
		if line[i] != 0x1b {
			i++
			continue
		}
		end := skipEscape(line, i)
		seq := line[i:end]
		if isSGR(seq) {
			if seq == "\x1b[m" || seq == "\x1b[0m" {
				active = ""
			} else {
				active += seq
			}
		}
		i = end
	}
	return active
}
