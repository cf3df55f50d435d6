// Package metrics serves a mount's Prometheus metrics (kreafs mount
// --metrics-addr). It is the only package of kreafs that knows
// Prometheus: the API client is given an http.RoundTripper that counts its
// requests and bytes, fs an OpObserver that times each FUSE operation, and
// the cache, the upload queue and the jobs tree are read through their
// Stats functions at each scrape. The counters only count; nothing of the
// mount depends on them.
package metrics

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/cache"
	"github.com/kreafs/kreafs/cache/upload/queue"
	kfs "github.com/kreafs/kreafs/fs"
)

// Mount is the metrics of one mount; nil when --metrics-addr is
// not given (every method is then a no-op).
type Mount struct {
	reg      *prometheus.Registry
	apiHost  string // requests to this host are API requests; others downloads from file hosts
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	down, up prometheus.Counter
	ops      *prometheus.CounterVec
	opErrs   *prometheus.CounterVec
	opTime   *prometheus.HistogramVec
}

// New returns the metrics of a mount of the API at apiURL, or
// nil when addr is "".
func New(addr, apiURL string) *Mount {
	if addr == "" {
		return nil
	}
	host := apiURL
	if i := strings.Index(host, "://"); i >= 0 {
		host = host[i+3:]
	}
	host, _, _ = strings.Cut(host, "/")
	m := &Mount{
		reg:     prometheus.NewRegistry(),
		apiHost: host,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kreafs_api_requests_total",
			Help: "HTTP requests to the Krea API (endpoint: method and path with ids as {id}; \"GET files\" for downloads from file hosts), by answer status (\"error\": no answer)."},
			[]string{"endpoint", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "kreafs_api_request_duration_seconds",
			Help:    "Time until the answer's headers arrived, by endpoint.",
			Buckets: prometheus.ExponentialBuckets(0.005, 2.5, 10)}, []string{"endpoint"}),
		down: prometheus.NewCounter(prometheus.CounterOpts{Name: "kreafs_downloaded_bytes_total",
			Help: "Bytes of answer bodies received (API answers and file downloads)."}),
		up: prometheus.NewCounter(prometheus.CounterOpts{Name: "kreafs_uploaded_bytes_total",
			Help: "Bytes of request bodies sent (uploads)."}),
		ops: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kreafs_fuse_operations_total",
			Help: "FUSE operations answered, by type."}, []string{"op"}),
		opErrs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kreafs_fuse_operation_errors_total",
			Help: "FUSE operations answered with an error (ENOENT included), by type."}, []string{"op"}),
		opTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "kreafs_fuse_operation_duration_seconds",
			Help:    "Time kreafs took to answer a FUSE operation, by type.",
			Buckets: prometheus.ExponentialBuckets(0.00005, 4, 10)}, []string{"op"}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.down, m.up, m.ops, m.opErrs, m.opTime,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// httpClient is what the API client is built with: the default transport,
// counted. nil when metrics are off.
func (m *Mount) HTTPClient() *http.Client {
	if m == nil {
		return nil
	}
	return &http.Client{Transport: &countingTransport{base: api.DefaultTransport(), m: m}}
}

// opObserver is what fs is told FUSE operations through; nil when off.
func (m *Mount) OpObserver() kfs.OpObserver {
	if m == nil {
		return nil
	}
	return m
}

// ObserveOp counts and times one FUSE operation (kfs.OpObserver).
func (m *Mount) ObserveOp(op string, took time.Duration, failed bool) {
	m.ops.WithLabelValues(op).Inc()
	if failed {
		m.opErrs.WithLabelValues(op).Inc()
	}
	m.opTime.WithLabelValues(op).Observe(took.Seconds())
}

// watch adds the metrics read at each scrape from the cache, the upload
// queue (nil on a read-only mount) and the tree.
func (m *Mount) watch(store *cache.Store, q *queue.Queue, root *kfs.Root) {
	if m == nil {
		return
	}
	cs := func(f func(cache.Stats) int64) func() float64 {
		return func() float64 { return float64(f(store.Stats())) }
	}
	m.reg.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "kreafs_cache_hits_total",
			Help: "Reads served from bytes already in the content cache."}, cs(func(s cache.Stats) int64 { return s.Hits })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "kreafs_cache_misses_total",
			Help: "Reads that waited for a download."}, cs(func(s cache.Stats) int64 { return s.Misses })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "kreafs_cache_evictions_total",
			Help: "Objects dropped from the content cache to stay within --cache-size or free a full disk."}, cs(func(s cache.Stats) int64 { return s.Evictions })),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "kreafs_cache_bytes",
			Help: "Bytes held in the content cache."}, cs(func(s cache.Stats) int64 { return s.Bytes })),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "kreafs_cache_max_bytes",
			Help: "The content cache's bound (--cache-size)."}, cs(func(s cache.Stats) int64 { return s.MaxBytes })),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "kreafs_jobs_watched",
			Help: "Unfinished jobs being polled."}, func() float64 { return float64(root.JobsWatched()) }),
	)
	if q == nil {
		return
	}
	qs := func(f func(queue.Stats) float64) func() float64 { return func() float64 { return f(q.Stats()) } }
	m.reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "kreafs_uploads_queued",
			Help: "Written files waiting to upload (being written or pending)."}, qs(func(s queue.Stats) float64 { return float64(s.Queued) })),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "kreafs_uploads_in_flight",
			Help: "Uploads running now."}, qs(func(s queue.Stats) float64 { return float64(s.InFlight) })),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "kreafs_uploads_failed",
			Help: "Files the API refused for good, kept until removed."}, qs(func(s queue.Stats) float64 { return float64(s.Failed) })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "kreafs_uploads_done_total",
			Help: "Uploads the API accepted."}, qs(func(s queue.Stats) float64 { return float64(s.Done) })),
	)
}

// serve listens on addr and serves /metrics until the returned listener
// is closed. A host-less address (":9101") listens on loopback only.
func (m *Mount) serve(addr string, log logrus.FieldLogger) (net.Listener, error) {
	if m == nil {
		return nil, nil
	}
	ln, err := net.Listen("tcp", listenAddr(addr))
	if err != nil {
		return nil, fmt.Errorf("--metrics-addr %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, net.ErrClosed) && !errors.Is(err, http.ErrServerClosed) {
			log.WithError(err).Warn("metrics server stopped")
		}
	}()
	log.WithField("url", "http://"+ln.Addr().String()+"/metrics").Info("serving metrics")
	return ln, nil
}

// listenAddr is addr with a loopback host when it names none.
func listenAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		if _, perr := strconv.Atoi(addr); perr == nil {
			return net.JoinHostPort("127.0.0.1", addr) // a bare port
		}
		return addr // net.Listen says what is wrong
	}
	if host == "" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

// countingTransport counts each request (attempt) by endpoint and status,
// its latency, and the bytes of its bodies.
type countingTransport struct {
	base http.RoundTripper
	m    *Mount
}

func (t *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ep := t.endpoint(req)
	if req.Body != nil && req.Body != http.NoBody {
		r := req.Clone(req.Context())
		r.Body = countBody(req.Body, t.m.up)
		req = r
	}
	start := time.Now()
	res, err := t.base.RoundTrip(req)
	t.m.latency.WithLabelValues(ep).Observe(time.Since(start).Seconds())
	if err != nil {
		t.m.requests.WithLabelValues(ep, "error").Inc()
		return nil, err
	}
	t.m.requests.WithLabelValues(ep, strconv.Itoa(res.StatusCode)).Inc()
	if res.Body != nil {
		res.Body = &countingReadCloser{ReadCloser: res.Body, c: t.m.down}
	}
	return res, nil
}

// endpoint names req's endpoint: method and path with id segments as
// {id} for the API, "<method> files" for file hosts.
func (t *countingTransport) endpoint(req *http.Request) string {
	if req.URL.Host != t.m.apiHost {
		return req.Method + " files"
	}
	segs := strings.Split(strings.Trim(req.URL.Path, "/"), "/")
	for i, s := range segs {
		if looksLikeID(s) {
			segs[i] = "{id}"
		}
	}
	return req.Method + " /" + strings.Join(segs, "/")
}

// looksLikeID: a path segment of 16 or more characters with a digit (ids
// are UUIDs or long tokens; endpoint names are words).
func looksLikeID(s string) bool {
	return len(s) >= 16 && strings.ContainsAny(s, "0123456789")
}

type countingReadCloser struct {
	io.ReadCloser
	c prometheus.Counter
}

func (r *countingReadCloser) Read(p []byte) (int, error) {
	n, err := r.ReadCloser.Read(p)
	r.c.Add(float64(n))
	return n, err
}

// countBody wraps a request body, keeping its WriteTo (the API client
// hands the transport big chunks through it).
func countBody(b io.ReadCloser, c prometheus.Counter) io.ReadCloser {
	cr := &countingReadCloser{ReadCloser: b, c: c}
	if _, ok := b.(io.WriterTo); ok {
		return &countingWriterTo{cr}
	}
	return cr
}

type countingWriterTo struct{ *countingReadCloser }

func (w *countingWriterTo) WriteTo(dst io.Writer) (int64, error) {
	return w.ReadCloser.(io.WriterTo).WriteTo(&countingWriter{w: dst, c: w.c})
}

type countingWriter struct {
	w io.Writer
	c prometheus.Counter
}

func (w *countingWriter) Write(p []byte) (int, error) {
	n, err := w.w.Write(p)
	w.c.Add(float64(n))
	return n, err
}

// start watches the mount's parts and serves the metrics on addr; stop
// closes the listener. A no-op when metrics are off.
func (m *Mount) Start(addr string, store *cache.Store, q *queue.Queue, root *kfs.Root, log logrus.FieldLogger) (stop func(), err error) {
	if m == nil {
		return func() {}, nil
	}
	m.watch(store, q, root)
	ln, err := m.serve(addr, log)
	if err != nil {
		return nil, err
	}
	return func() { _ = ln.Close() }, nil
}
