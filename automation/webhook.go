package automation

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/socpilot/socpilot"
)

// Handler serves the webhook, the probes and the metrics:
//
//	POST /hooks/sentinel   the Logic App's Sentinel incident trigger body
//	GET  /healthz          the process is up
//	GET  /readyz           the store, the workspaces and the model answer
//	GET  /metrics          Prometheus metrics
func (s *Service) Handler(ready func(ctx context.Context) error) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("/hooks/sentinel", http.HandlerFunc(s.webhook))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
		defer cancel()
		if err := s.Ready(ctx, ready); err != nil {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "not ready", "error": oneLine(err)})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.m.Registry, promhttp.HandlerOpts{Registry: s.m.Registry}))
	return mux
}

// Ready checks the job store (a count of queued jobs, which also updates
// the queue-depth gauge) and then extra.
func (s *Service) Ready(ctx context.Context, extra func(context.Context) error) error {
	if err := s.updateDepth(ctx); err != nil {
		return err
	}
	if extra != nil {
		return extra(ctx)
	}
	return nil
}

// webhookError is the JSON body of a refused webhook call.
type webhookError struct {
	Error string `json:"error"`
}

func (s *Service) webhook(w http.ResponseWriter, r *http.Request) {
	code, body := s.serveWebhook(w, r)
	s.m.webhooks.WithLabelValues(strconv.Itoa(code)).Inc()
	writeJSON(w, code, body)
}

// serveWebhook decides the answer. Checks run cheapest and least revealing
// first: the method, the token (before reading anything the caller sent),
// the media type, the size, the body, the workspace, and only then the API.
func (s *Service) serveWebhook(w http.ResponseWriter, r *http.Request) (int, any) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		return http.StatusMethodNotAllowed, webhookError{"use POST"}
	}
	if !s.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="socpilot"`)
		return http.StatusUnauthorized, webhookError{"missing or wrong bearer token"}
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || !(mt == "application/json" || strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json")) {
		return http.StatusUnsupportedMediaType, webhookError{"send the trigger body as application/json"}
	}
	if r.ContentLength > MaxTriggerBytes {
		return http.StatusRequestEntityTooLarge, webhookError{"the body is over 1 MiB"}
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxTriggerBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return http.StatusRequestEntityTooLarge, webhookError{"the body is over 1 MiB"}
		}
		return http.StatusBadRequest, webhookError{"the body could not be read"}
	}
	trig, err := DecodeTrigger(data)
	if err != nil {
		return http.StatusBadRequest, webhookError{oneLine(err)}
	}
	ref := IncidentRef{Workspace: trig.Workspace, Incident: trig.Incident}
	if !s.Served(trig.Workspace) {
		// The caller learns nothing about which workspaces are served.
		s.log.Warn("webhook refused: workspace not served", "subscription", trig.Workspace.SubscriptionID,
			"resource_group", trig.Workspace.ResourceGroup, "workspace", trig.Workspace.Name)
		return http.StatusForbidden, webhookError{"this service does not serve the incident's workspace"}
	}
	res, err := s.Enqueue(r.Context(), ref, "webhook")
	if err != nil {
		code := socpilot.ErrorCode(err)
		s.log.Warn("webhook: incident not queued", "workspace", trig.Workspace.Name, "err_code", code, "err", oneLine(err))
		switch code {
		case socpilot.ENotFound:
			return http.StatusNotFound, webhookError{"no such incident in the workspace"}
		case socpilot.EThrottled, socpilot.EUnavailable:
			wait := max(socpilot.RetryAfterOf(err), 5*time.Second)
			w.Header().Set("Retry-After", strconv.Itoa(int((wait+time.Second-1)/time.Second)))
			return http.StatusServiceUnavailable, webhookError{"the Sentinel API or the store is not answering: retry later"}
		}
		return http.StatusBadGateway, webhookError{"the incident could not be read: see the service's log"}
	}
	s.log.Info("webhook: incident queued", "job", res.Job, "workspace", trig.Workspace.Name, "duplicate", res.Duplicate, "event", trig.EventType)
	return http.StatusAccepted, res
}

// authorized compares the bearer token in constant time (of hashes, so
// not even the token's length leaks).
func (s *Service) authorized(r *http.Request) bool {
	if s.opts.WebhookToken == "" {
		return true
	}
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	a := sha256.Sum256([]byte(strings.TrimSpace(tok)))
	b := sha256.Sum256([]byte(s.opts.WebhookToken))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}
