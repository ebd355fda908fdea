package automation

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics are the service's Prometheus metrics, on a registry of their own
// so tests and several services in one process never collide.
type Metrics struct {
	Registry *prometheus.Registry

	jobs       *prometheus.CounterVec   // workspace, outcome
	latency    *prometheus.HistogramVec // workspace: incident created → written back
	tokens     *prometheus.CounterVec   // workspace, kind (prompt, completion)
	cost       *prometheus.CounterVec   // workspace
	retries    *prometheus.CounterVec   // service (sentinel, model), status
	webhooks   *prometheus.CounterVec   // status code
	depth      *prometheus.GaugeVec     // state
	budgetWait prometheus.Counter
}

// NewMetrics registers socpilot's metrics and the Go runtime's.
func NewMetrics() *Metrics {
	m := &Metrics{Registry: prometheus.NewRegistry()}
	m.jobs = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "socpilot_jobs_total",
		Help: "Enrichment jobs finished, by workspace and outcome (written, unchanged, skipped, failed, discarded)."}, []string{"workspace", "outcome"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "socpilot_enrichment_latency_seconds",
		Help:    "Time from the incident's creation to its report being written back.",
		Buckets: []float64{5, 15, 30, 60, 120, 300, 600, 1800, 3600, 4 * 3600, 24 * 3600}}, []string{"workspace"})
	m.tokens = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "socpilot_model_tokens_total",
		Help: "Model tokens used by enrichment, by workspace and kind (prompt, completion)."}, []string{"workspace", "kind"})
	m.cost = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "socpilot_model_cost_usd_total",
		Help: "Estimated model cost of enrichment in US dollars, from the configured prices."}, []string{"workspace"})
	m.retries = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "socpilot_retries_total",
		Help: "Jobs retried after a failure, by the service that failed (sentinel, model, store) and its error code."}, []string{"service", "status"})
	m.webhooks = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "socpilot_webhook_requests_total",
		Help: "Webhook requests by HTTP status answered."}, []string{"code"})
	m.depth = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "socpilot_queue_depth",
		Help: "Enrichment jobs waiting, by state (available, scheduled, retryable, running)."}, []string{"state"})
	m.budgetWait = prometheus.NewCounter(prometheus.CounterOpts{Name: "socpilot_budget_waits_total",
		Help: "Times a job waited for the model's tokens-per-minute budget."})
	m.Registry.MustRegister(m.jobs, m.latency, m.tokens, m.cost, m.retries, m.webhooks, m.depth, m.budgetWait,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}
