package chatui

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"charm.land/bubbles/v2/spinner"
	"charm.land/bubbles/v2/textinput"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

const (
	// minWidth keeps layout arithmetic positive on absurdly narrow
	// terminals; the view is then wider than the screen and wraps, which
	// is ugly but still usable.
	minWidth = 20
	// chromeLines are the lines around the viewport: header, status, input.
	chromeLines = 3
	// maxHistory bounds the Up/Down input history.
	maxHistory = 500
	// maxCoalesce bounds how many streamed bytes one UI update takes in, so a
	// fast stream still repaints now and then.
	maxCoalesce = 16 << 10
	// jobStopWait is how long the UI waits, on exit, for the backend call in
	// progress to return after its context is cancelled.
	jobStopWait = 2 * time.Second
	// hint is the status line when nothing else is to be said.
	hint = "Enter send · ↑/↓ history · PgUp/PgDn scroll · /help · Ctrl+C cancel/quit"
)

type entryKind int

const (
	entryIntro entryKind = iota
	entryUser
	entryAnswer
	entryReply
)

// entry is one block of the transcript, kept as source text (already
// cleaned) and re-rendered when the width or style changes.
type entry struct {
	kind   entryKind
	text   string
	footer string

	rendered string // cache; "" means stale
}

type jobKind int

const (
	jobAsk jobKind = iota
	jobCommand
)

// job is one backend call in progress. Its goroutine writes the result
// fields and then closes events; the UI reads them only after seeing events
// closed, which orders the writes before the reads.
type job struct {
	id        int
	kind      jobKind
	line      string
	cancel    context.CancelFunc
	cancelled bool // UI goroutine only
	// partial is the raw text streamed so far (UI goroutine only). It is
	// cleaned as a whole when shown, not delta by delta: an escape sequence
	// split across two deltas must be recognised whole to be removed whole.
	partial strings.Builder

	events chan string   // streamed deltas; closed when the call returned
	done   chan struct{} // closed when the goroutine has finished

	answer, footer, reply string
	quit                  bool
	err                   error
}

// jobMsg carries streamed text of job id, and done once the call returned.
type jobMsg struct {
	id    int
	delta string
	done  bool
}

// model is the bubbletea model of the chat. It is used through a pointer:
// Update mutates it and returns it.
type model struct {
	ctx  context.Context // the run's context: parent of every job
	b    Backend
	opts Options

	width int // rendering width
	dark  bool

	vp    viewport.Model
	input textinput.Model
	spin  spinner.Model
	md    markdown

	status  string
	entries []entry
	job     *job
	nextID  int
	errText string
	notice  string

	history []string
	histIdx int    // == len(history) when not browsing
	draft   string // input being typed before browsing history

	quitting bool
}

var (
	headerStyle = lipgloss.NewStyle().Bold(true)
	labelStyle  = lipgloss.NewStyle().Bold(true)
	dimStyle    = lipgloss.NewStyle().Faint(true)
	errStyle    = lipgloss.NewStyle().Foreground(lipgloss.Color("9")).Bold(true)
)

func newModel(ctx context.Context, b Backend, opts Options) *model {
	in := textinput.New()
	in.Prompt = "› "
	in.Placeholder = "Ask about the incident, or /help"
	// Up/Down browse the input history here, not suggestions.
	in.KeyMap.NextSuggestion.SetEnabled(false)
	in.KeyMap.PrevSuggestion.SetEnabled(false)
	in.Focus()

	m := &model{
		ctx:   ctx,
		b:     b,
		opts:  opts,
		dark:  true,
		vp:    viewport.New(),
		input: in,
		spin:  spinner.New(spinner.WithSpinner(spinner.Dot)),
	}
	m.status = oneLine(b.Status())
	if intro := cleanText(opts.Intro); strings.TrimSpace(intro) != "" {
		m.entries = append(m.entries, entry{kind: entryIntro, text: intro})
	}
	for _, t := range opts.History {
		kind := entryAnswer
		if t.User {
			kind = entryUser
		}
		m.entries = append(m.entries, entry{kind: kind, text: cleanText(t.Text)})
	}
	// Until the first WindowSizeMsg: a conventional terminal.
	m.resize(80, 24)
	return m
}

// Init asks the terminal for its background colour to pick a light or dark
// Markdown style; the window size arrives on its own.
func (m *model) Init() tea.Cmd {
	if m.opts.NoColor {
		return nil
	}
	return tea.RequestBackgroundColor
}

// Update handles one message.
func (m *model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.resize(msg.Width, msg.Height)
		return m, nil
	case tea.BackgroundColorMsg:
		if dark := msg.IsDark(); dark != m.dark {
			m.dark = dark
			m.invalidate()
			m.refresh(false)
		}
		return m, nil
	case tea.KeyPressMsg:
		return m.key(msg)
	case jobMsg:
		return m.jobEvent(msg)
	case spinner.TickMsg:
		if m.job == nil {
			// Let the tick chain die while idle.
			return m, nil
		}
		var cmd tea.Cmd
		m.spin, cmd = m.spin.Update(msg)
		return m, cmd
	}
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	return m, cmd
}

func (m *model) key(k tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	switch k.String() {
	case "ctrl+c":
		switch {
		case m.job != nil && !m.job.cancelled:
			m.job.cancelled = true
			m.job.cancel()
			m.notice = "cancelling… (Ctrl+C again to quit)"
			return m, nil
		case m.job != nil:
			return m.quit()
		case m.input.Value() != "":
			m.input.Reset()
			m.notice = "input cleared (Ctrl+C again to quit)"
			return m, nil
		}
		return m.quit()
	case "ctrl+d":
		if m.input.Value() == "" {
			return m.quit()
		}
	case "enter":
		return m.submit()
	case "up":
		m.historyMove(-1)
		return m, nil
	case "down":
		m.historyMove(+1)
		return m, nil
	case "pgup":
		m.vp.PageUp()
		return m, nil
	case "pgdown":
		m.vp.PageDown()
		return m, nil
	case "ctrl+home":
		m.vp.GotoTop()
		return m, nil
	case "ctrl+end":
		m.vp.GotoBottom()
		return m, nil
	}
	m.notice = ""
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(k)
	return m, cmd
}

func (m *model) quit() (tea.Model, tea.Cmd) {
	m.quitting = true
	if m.job != nil && !m.job.cancelled {
		m.job.cancelled = true
		m.job.cancel()
	}
	return m, tea.Quit
}

// stopJob cancels the backend call in progress and waits a little for it to
// return, so that Run leaves no goroutine behind with a well-behaved backend.
func (m *model) stopJob() {
	j := m.job
	if j == nil {
		return
	}
	j.cancel()
	t := time.NewTimer(jobStopWait)
	defer t.Stop()
	select {
	case <-j.done:
	case <-t.C:
	}
}

func (m *model) submit() (tea.Model, tea.Cmd) {
	line := strings.TrimSpace(cleanText(m.input.Value()))
	if line == "" {
		return m, nil
	}
	if isQuit(line) {
		return m.quit()
	}
	if m.job != nil {
		// Keep what was typed so it can be sent once the answer is in.
		m.notice = "an answer is in progress: wait for it, or press Ctrl+C to cancel it"
		return m, nil
	}
	m.pushHistory(line)
	m.input.Reset()
	m.errText, m.notice = "", ""

	m.entries = append(m.entries, entry{kind: entryUser, text: line})
	kind := jobAsk
	if strings.HasPrefix(line, "/") {
		kind = jobCommand
	}
	j := m.start(kind, line)
	m.refresh(true)
	return m, tea.Batch(m.spin.Tick, m.wait(j))
}

// isQuit reports whether line is one of the UI's own exit commands.
func isQuit(line string) bool {
	f := strings.Fields(line)
	if len(f) == 0 {
		return false
	}
	switch strings.ToLower(f[0]) {
	case "/quit", "/exit", "/q":
		return true
	}
	return false
}

// start runs the backend call for line in its own goroutine.
func (m *model) start(kind jobKind, line string) *job {
	m.nextID++
	ctx, cancel := context.WithCancel(m.ctx)
	j := &job{
		id:     m.nextID,
		kind:   kind,
		line:   line,
		cancel: cancel,
		events: make(chan string, 64),
		done:   make(chan struct{}),
	}
	m.job = j
	b := m.b
	go func() {
		defer close(j.done)
		defer cancel()
		// onDelta may block on a slow UI; ctx ends that wait. closed
		// guards against a backend calling onDelta after Ask returned,
		// which would otherwise send on a closed channel.
		var mu sync.Mutex
		closed := false
		onDelta := func(s string) {
			if s == "" {
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if closed {
				return
			}
			select {
			case j.events <- s:
			case <-ctx.Done():
			}
		}
		switch kind {
		case jobAsk:
			j.answer, j.footer, j.err = b.Ask(ctx, line, onDelta)
		case jobCommand:
			j.reply, j.quit, j.err = b.Command(ctx, line)
		}
		mu.Lock()
		closed = true
		close(j.events)
		mu.Unlock()
	}()
	return j
}

// wait returns the command that delivers the next streamed text of j, taking
// in everything already queued so that a fast stream costs one repaint per
// batch rather than one per token. It returns nil once the run is over.
func (m *model) wait(j *job) tea.Cmd {
	ctx := m.ctx
	return func() tea.Msg {
		var b strings.Builder
		select {
		case d, ok := <-j.events:
			if !ok {
				return jobMsg{id: j.id, done: true}
			}
			b.WriteString(d)
		case <-ctx.Done():
			return nil
		}
		for b.Len() < maxCoalesce {
			select {
			case d, ok := <-j.events:
				if !ok {
					return jobMsg{id: j.id, delta: b.String(), done: true}
				}
				b.WriteString(d)
			default:
				return jobMsg{id: j.id, delta: b.String()}
			}
		}
		return jobMsg{id: j.id, delta: b.String()}
	}
}

func (m *model) jobEvent(msg jobMsg) (tea.Model, tea.Cmd) {
	j := m.job
	if j == nil || j.id != msg.id {
		return m, nil // a message of a call already settled
	}
	if msg.delta != "" && j.kind == jobAsk {
		j.partial.WriteString(msg.delta)
	}
	if !msg.done {
		m.refresh(false)
		return m, m.wait(j)
	}
	m.job = nil
	m.notice = ""
	quit := false
	switch j.kind {
	case jobAsk:
		m.finishAsk(j)
	case jobCommand:
		if j.err != nil {
			m.showError(j, j.err)
		} else {
			if reply := cleanText(j.reply); strings.TrimSpace(reply) != "" {
				m.entries = append(m.entries, entry{kind: entryReply, text: reply})
			}
			quit = j.quit
		}
	}
	m.status = oneLine(m.b.Status())
	m.refresh(false)
	if quit {
		return m.quit()
	}
	return m, nil
}

func (m *model) finishAsk(j *job) {
	// The returned answer is authoritative: the backend may rewrite the
	// streamed text at the end (rehydrated pseudonyms, grounding fixes).
	answer := cleanText(j.answer)
	if strings.TrimSpace(answer) == "" {
		answer = cleanText(j.partial.String())
	}
	footer := oneLine(j.footer)
	if j.err != nil {
		footer = ""
		if j.cancelled || errors.Is(j.err, context.Canceled) {
			footer = "answer cancelled"
		} else {
			m.showError(j, j.err)
		}
	}
	if strings.TrimSpace(answer) == "" && footer == "" {
		return
	}
	m.entries = append(m.entries, entry{kind: entryAnswer, text: answer, footer: footer})
}

func (m *model) showError(j *job, err error) {
	if j.cancelled || errors.Is(err, context.Canceled) {
		m.notice = "cancelled"
		return
	}
	m.errText = "error: " + oneLine(err.Error())
	// Also in the transcript: the status line is redrawn by the next event,
	// and an error must stay readable until the user has seen it.
	m.entries = append(m.entries, entry{kind: entryReply, text: cleanText(m.errText)})
}

func (m *model) pushHistory(line string) {
	if n := len(m.history); n == 0 || m.history[n-1] != line {
		m.history = append(m.history, line)
		if len(m.history) > maxHistory {
			m.history = m.history[len(m.history)-maxHistory:]
		}
	}
	m.histIdx = len(m.history)
	m.draft = ""
}

// historyMove walks the input history like a shell: up from the line being
// typed, which is kept and comes back when walking past the newest entry.
func (m *model) historyMove(d int) {
	i := m.histIdx + d
	if i < 0 || i > len(m.history) {
		return
	}
	if m.histIdx == len(m.history) {
		m.draft = m.input.Value()
	}
	m.histIdx = i
	if i == len(m.history) {
		m.input.SetValue(m.draft)
	} else {
		m.input.SetValue(m.history[i])
	}
	m.input.CursorEnd()
}

func (m *model) resize(w, h int) {
	// Whether the reader is at the end must be judged before the sizes
	// change: a shorter viewport over the same content is no longer there.
	follow := m.vp.AtBottom()
	width := w
	if m.opts.Width > 0 {
		width = m.opts.Width
	}
	width = max(width, minWidth)
	if width != m.width {
		m.width = width
		m.invalidate()
	}
	m.vp.SetWidth(width)
	m.vp.SetHeight(max(h-chromeLines, 1))
	m.input.SetWidth(max(width-lipgloss.Width(m.input.Prompt)-1, 1))
	m.refresh(follow)
}

func (m *model) invalidate() {
	for i := range m.entries {
		m.entries[i].rendered = ""
	}
}

// refresh rebuilds the viewport content. It follows the end of the
// transcript when the reader was already there (or follow is set), and
// otherwise leaves the reader where they scrolled to.
func (m *model) refresh(follow bool) {
	atBottom := m.vp.AtBottom()
	var b strings.Builder
	for i := range m.entries {
		e := &m.entries[i]
		if e.rendered == "" {
			e.rendered = m.renderEntry(e)
		}
		if i > 0 {
			b.WriteString("\n\n")
		}
		b.WriteString(e.rendered)
	}
	if j := m.job; j != nil && j.kind == jobAsk && j.partial.Len() > 0 {
		if b.Len() > 0 {
			b.WriteString("\n\n")
		}
		b.WriteString(m.renderEntry(&entry{kind: entryAnswer, text: j.partial.String()}))
	}
	m.vp.SetContent(b.String())
	if follow || atBottom {
		m.vp.GotoBottom()
	}
}

func (m *model) renderEntry(e *entry) string {
	body := m.md.render(e.text, m.width, m.dark)
	switch e.kind {
	case entryUser:
		return labelStyle.Render("you") + "\n" + body
	case entryAnswer, entryReply:
		s := labelStyle.Render("socpilot") + "\n" + body
		if e.footer != "" {
			// Indented like the document margin, under the answer.
			s += "\n" + dimStyle.Render(indent(ansi.Wrap(e.footer, m.width-2, ""), "  "))
		}
		return s
	}
	return body
}

// View renders the screen: header, transcript, status line, input.
func (m *model) View() tea.View {
	if m.quitting {
		// The final frame is drawn on the main screen, after the alternate
		// one is left: one line that says which conversation this was, so
		// the user knows what `chat --resume --id ID` will bring back.
		line := ansi.Truncate("socpilot chat closed · "+m.status, m.width, "…")
		return tea.NewView(keepSGR(dimStyle.Render(line)) + "\n")
	}
	w := m.width
	header := headerStyle.Render(ansi.Truncate("socpilot chat · "+m.status, w, "…"))

	var status string
	switch {
	case m.job != nil:
		what := "thinking…"
		if m.job.kind == jobCommand {
			what = "running " + m.job.line + "…"
		}
		if m.notice != "" {
			what = m.notice
		}
		status = m.spin.View() + " " + dimStyle.Render(ansi.Truncate(what, w-2, "…"))
	case m.errText != "":
		status = errStyle.Render(ansi.Truncate(m.errText, w, "…"))
	case m.notice != "":
		status = dimStyle.Render(ansi.Truncate(m.notice, w, "…"))
	default:
		status = dimStyle.Render(ansi.Truncate(hint, w, "…"))
	}

	content := strings.Join([]string{header, m.vp.View(), status, m.input.View()}, "\n")
	// Everything shown was cleaned on the way in; this is the last line of
	// defence should a component ever pass something through.
	v := tea.NewView(keepSGR(content))
	v.AltScreen = true
	v.WindowTitle = "socpilot chat"
	return v
}

// oneLine cleans s and keeps its first line, for the header, footers and
// the error line.
func oneLine(s string) string {
	s = strings.TrimSpace(cleanText(s))
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = strings.TrimSpace(s[:i]) + " …"
	}
	return s
}

func indent(s, prefix string) string {
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}
