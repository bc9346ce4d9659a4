// Package cveservices is a client of the CVE Program's CVE Services API
// (version 2, the OpenAPI document in ../shared/testdata/cve5-cve-services)
// for a CNA: reserve CVE IDs, read their state, publish, update and reject
// CVE records, and read the organisation's ID quota.
//
// Every request carries the three authentication headers CVE-API-ORG,
// CVE-API-USER and CVE-API-KEY. Every error the service answers with (a JSON
// body {"error", "message", "details"}) becomes an *Error that matches one
// of the sentinels below with errors.Is, so callers decide on the condition
// (a rate limit is retried, a schema violation is not) without reading
// status codes.
//
// Invariants: every call is bounded by the caller's context and by the
// client's timeout; response bodies are read up to MaxResponse bytes; the
// API key never appears in an error or a log line; the client holds no
// state between calls and is safe for concurrent use.
package cveservices

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-psirt/vigil/internal/cve5"
)

// Header names of the authentication.
const (
	HeaderOrg  = "CVE-API-ORG"
	HeaderUser = "CVE-API-USER"
	HeaderKey  = "CVE-API-KEY"
)

// MaxResponse bounds a response body. A page of CVE IDs (at most 500 of
// them at a few hundred bytes each) or a full record fits well within it.
const MaxResponse = 8 << 20

// DefaultTimeout bounds one request when Config.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// State is the state of a CVE ID in CVE Services. An ID moves RESERVED ->
// PUBLISHED -> REJECTED or RESERVED -> REJECTED and never back to RESERVED.
type State string

const (
	Reserved  State = "RESERVED"
	Published State = "PUBLISHED"
	Rejected  State = "REJECTED"
)

// Batch says whether a reservation of several IDs takes consecutive numbers.
type Batch string

const (
	Sequential    Batch = "sequential"
	Nonsequential Batch = "nonsequential"
)

// Sentinels that an *Error matches with errors.Is.
var (
	// ErrBadRequest: 400, the request or the record is invalid (a schema
	// violation lists its problems in Details). Retrying cannot help.
	ErrBadRequest = errors.New("cve services: bad request")
	// ErrUnauthorized: 401, the credentials were refused.
	ErrUnauthorized = errors.New("cve services: not authenticated")
	// ErrForbidden: 403, the account may not do this (another
	// organisation's ID, a record in the wrong state, the quota).
	ErrForbidden = errors.New("cve services: forbidden")
	// ErrQuota: the reservation exceeds the organisation's ID quota (a 403
	// EXCEEDED_ID_QUOTA, or a 206 that reserved fewer than asked). It also
	// matches ErrForbidden when the service refused outright.
	ErrQuota = errors.New("cve services: ID quota exceeded")
	// ErrNotFound: 404, no such ID, record or organisation.
	ErrNotFound = errors.New("cve services: not found")
	// ErrRateLimited: 429, too many requests; Error.RetryAfter says when
	// to try again.
	ErrRateLimited = errors.New("cve services: rate limited")
	// ErrServer: 5xx, the service failed; try again later.
	ErrServer = errors.New("cve services: server error")
)

// Error is an error answer of CVE Services.
type Error struct {
	Op      string // e.g. "POST /cve/CVE-2026-1234/cna"
	Status  int
	Name    string   // the body's "error", e.g. "EXCEEDED_ID_QUOTA"
	Message string   // the body's "message"
	Details []Detail // the problems of a 400
	// RetryAfter is the RateLimit-Reset (or Retry-After) of a 429 or 503.
	RetryAfter time.Duration
}

// Detail is one problem of a bad request, as CVE Services reports it.
type Detail struct {
	Msg      string `json:"msg,omitempty"`
	Param    string `json:"param,omitempty"`
	Location string `json:"location,omitempty"`
	// InstancePath is the JSON pointer of a schema violation
	// (INVALID_JSON_SCHEMA details carry it instead of param).
	InstancePath string `json:"instancePath,omitempty"`
	Message      string `json:"message,omitempty"`
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "cve services: %s: %d", e.Op, e.Status)
	if e.Name != "" {
		b.WriteString(" " + e.Name)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	for i, d := range e.Details {
		if i == 5 {
			fmt.Fprintf(&b, "; and %d more", len(e.Details)-i)
			break
		}
		where := cmpOr(d.Param, d.InstancePath)
		b.WriteString("; " + strings.TrimSpace(where+" "+cmpOr(d.Msg, d.Message)))
	}
	return b.String()
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// Is matches the sentinel of the status (and ErrQuota by the error name).
func (e *Error) Is(target error) bool {
	switch target {
	case ErrQuota:
		return e.Name == "EXCEEDED_ID_QUOTA" || e.Status == http.StatusPartialContent
	case ErrBadRequest:
		return e.Status == http.StatusBadRequest
	case ErrUnauthorized:
		return e.Status == http.StatusUnauthorized
	case ErrForbidden:
		return e.Status == http.StatusForbidden
	case ErrNotFound:
		return e.Status == http.StatusNotFound
	case ErrRateLimited:
		return e.Status == http.StatusTooManyRequests
	case ErrServer:
		return e.Status >= 500
	}
	return false
}

// Temporary reports whether retrying later may succeed: a rate limit, a
// server error, a timeout or a network failure. A 4xx answer (other than
// 429) is the request's fault and is not temporary.
func Temporary(err error) bool {
	if err == nil {
		return false
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Status == http.StatusTooManyRequests || e.Status >= 500
	}
	if errors.Is(err, context.Canceled) {
		return false
	}
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, errTransport)
}

var errTransport = errors.New("cve services: transport")

// Config is a CNA's account.
type Config struct {
	URL     string // the API root, e.g. https://cveawg.mitre.org/api
	Org     string // CVE-API-ORG: the CNA's short name
	User    string // CVE-API-USER
	Key     string // CVE-API-KEY
	Timeout time.Duration
	// HTTPClient sends the requests; nil is a client with Timeout.
	HTTPClient *http.Client
}

// Client speaks to CVE Services.
type Client struct {
	base           *url.URL
	org, user, key string
	hc             *http.Client
}

// New checks the configuration and returns a client. The URL must be
// https, or http on a loopback address (a test double or a local proxy):
// the API key must not cross a network in clear text.
func New(c Config) (*Client, error) {
	var errs []error
	u, err := url.Parse(strings.TrimRight(c.URL, "/"))
	switch {
	case c.URL == "":
		errs = append(errs, errors.New("url: required"))
	case err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "":
		errs = append(errs, fmt.Errorf("url: %q is not an API root URL", c.URL))
	case u.Scheme == "http" && !loopback(u.Hostname()):
		errs = append(errs, fmt.Errorf("url: %q: plain http only on a loopback address", c.URL))
	case u.Scheme != "https" && u.Scheme != "http":
		errs = append(errs, fmt.Errorf("url: %q: scheme must be https", c.URL))
	}
	for _, f := range []struct{ name, v string }{{"org", c.Org}, {"user", c.User}, {"api_key", c.Key}} {
		if strings.TrimSpace(f.v) == "" {
			errs = append(errs, fmt.Errorf("%s: required", f.name))
		} else if strings.ContainsAny(f.v, "\r\n\x00") {
			errs = append(errs, fmt.Errorf("%s: contains a control character", f.name))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("cve services: %w", err)
	}
	hc := c.HTTPClient
	if hc == nil {
		t := c.Timeout
		if t <= 0 {
			t = DefaultTimeout
		}
		hc = &http.Client{Timeout: t}
	}
	return &Client{base: u, org: c.Org, user: c.User, key: c.Key, hc: hc}, nil
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Org is the CNA short name the client acts for.
func (c *Client) Org() string { return c.org }

// do sends a request and decodes a 2xx answer into out (nil: discard). It
// returns the status, so that callers can tell 200 from 206.
func (c *Client) do(ctx context.Context, method, path string, q url.Values, in, out any) (int, error) {
	op := method + " " + path
	u := *c.base
	u.Path = c.base.Path + path
	u.RawPath = ""
	u.RawQuery = q.Encode()
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return 0, fmt.Errorf("cve services: %s: %w", op, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return 0, fmt.Errorf("cve services: %s: %w", op, err)
	}
	req.Header.Set(HeaderOrg, c.org)
	req.Header.Set(HeaderUser, c.user)
	req.Header.Set(HeaderKey, c.key)
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return 0, fmt.Errorf("cve services: %s: %w", op, ctx.Err())
		}
		// *url.Error carries the URL only (never the headers), and the
		// API key is a header: nothing secret leaks into the message.
		return 0, fmt.Errorf("cve services: %s: %w: %w", op, errTransport, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponse+1))
	if err != nil {
		return resp.StatusCode, fmt.Errorf("cve services: %s: read answer: %w: %w", op, errTransport, err)
	}
	if len(data) > MaxResponse {
		return resp.StatusCode, fmt.Errorf("cve services: %s: answer larger than %d bytes", op, MaxResponse)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, answerError(op, resp, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return resp.StatusCode, fmt.Errorf("cve services: %s: decode answer: %w", op, err)
		}
	}
	return resp.StatusCode, nil
}

// answerError reads the documented error body (generic or bad-request);
// a body that is not JSON (a proxy's page) keeps only the status.
func answerError(op string, resp *http.Response, data []byte) *Error {
	e := &Error{Op: op, Status: resp.StatusCode}
	var body struct {
		Error   string          `json:"error"`
		Message string          `json:"message"`
		Details json.RawMessage `json:"details"`
	}
	if json.Unmarshal(data, &body) == nil {
		e.Name, e.Message = clip(body.Error, 200), clip(body.Message, 2000)
		var ds []Detail
		if json.Unmarshal(body.Details, &ds) == nil {
			for _, d := range ds {
				d.Msg, d.Message = clip(d.Msg, 500), clip(d.Message, 500)
				e.Details = append(e.Details, d)
			}
		}
	}
	if e.Message == "" {
		e.Message = http.StatusText(resp.StatusCode)
	}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		for _, h := range []string{"RateLimit-Reset", "Retry-After"} {
			if n, err := strconv.Atoi(strings.TrimSpace(resp.Header.Get(h))); err == nil && n >= 0 {
				e.RetryAfter = time.Duration(min(n, 86400)) * time.Second
				break
			}
		}
	}
	return e
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// RequestedBy names who reserved an ID.
type RequestedBy struct {
	CNA  string `json:"cna"`
	User string `json:"user"`
}

// ID is a CVE ID as CVE Services keeps it.
type ID struct {
	CVEID       string      `json:"cve_id"`
	Year        string      `json:"cve_year"`
	OwningCNA   string      `json:"owning_cna"`
	State       State       `json:"state"`
	RequestedBy RequestedBy `json:"requested_by"`
	Reserved    time.Time   `json:"reserved"`
	Time        *IDTime     `json:"time,omitempty"`
}

// IDTime is when an ID was created and last modified.
type IDTime struct {
	Created  time.Time `json:"created"`
	Modified time.Time `json:"modified"`
}

// ReserveRequest asks for Amount IDs of Year.
type ReserveRequest struct {
	Amount int
	Year   int
	// Batch is required for more than one ID; default Sequential.
	Batch Batch
	// ShortName is the organisation the IDs are for; default the client's.
	ShortName string
}

// Reservation is what a reservation returned.
type Reservation struct {
	IDs []ID
	// RemainingQuota is the quota left after it (when the service said).
	RemainingQuota *int
}

// Reserve reserves IDs (POST /cve-id). If the service reserved fewer than
// asked (206, the quota or the year's IDs ran out), the reservation holds
// the IDs that were reserved and the error matches ErrQuota: the caller
// must record them, they are the organisation's now.
func (c *Client) Reserve(ctx context.Context, r ReserveRequest) (Reservation, error) {
	if r.Amount < 1 {
		return Reservation{}, fmt.Errorf("cve services: reserve: amount %d: %w", r.Amount, ErrBadRequest)
	}
	q := url.Values{"amount": {strconv.Itoa(r.Amount)}, "cve_year": {strconv.Itoa(r.Year)}, "short_name": {cmpOr(r.ShortName, c.org)}}
	if r.Amount > 1 {
		q.Set("batch_type", string(cmpOr(string(r.Batch), string(Sequential))))
	}
	var body struct {
		Error   string `json:"error"`
		Message string `json:"message"`
		IDs     []ID   `json:"cve_ids"`
		Meta    struct {
			RemainingQuota *int `json:"remaining_quota"`
		} `json:"meta"`
	}
	status, err := c.do(ctx, http.MethodPost, "/cve-id", q, nil, &body)
	if err != nil {
		return Reservation{}, err
	}
	res := Reservation{IDs: body.IDs, RemainingQuota: body.Meta.RemainingQuota}
	if res.IDs == nil {
		res.IDs = []ID{}
	}
	if status == http.StatusPartialContent {
		return res, &Error{Op: "POST /cve-id", Status: status, Name: body.Error,
			Message: fmt.Sprintf("reserved %d of %d IDs: %s", len(res.IDs), r.Amount, body.Message)}
	}
	return res, nil
}

// ID returns one ID's state (GET /cve-id/{id}).
func (c *Client) ID(ctx context.Context, id string) (ID, error) {
	var out ID
	_, err := c.do(ctx, http.MethodGet, "/cve-id/"+url.PathEscape(id), nil, nil, &out)
	return out, err
}

// IDFilter selects the organisation's IDs.
type IDFilter struct {
	State State // "" for every state
	Year  int   // 0 for every year
}

// maxPages bounds the pages IDs reads, so a misbehaving service cannot
// keep it looping.
const maxPages = 1000

// IDs lists the organisation's IDs (GET /cve-id), following the pages.
func (c *Client) IDs(ctx context.Context, f IDFilter) ([]ID, error) {
	out := []ID{}
	page := 1
	for range maxPages {
		q := url.Values{}
		if f.State != "" {
			q.Set("state", string(f.State))
		}
		if f.Year != 0 {
			q.Set("cve_id_year", strconv.Itoa(f.Year))
		}
		if page > 1 {
			q.Set("page", strconv.Itoa(page))
		}
		var body struct {
			IDs      []ID `json:"cve_ids"`
			NextPage *int `json:"nextPage"`
		}
		if _, err := c.do(ctx, http.MethodGet, "/cve-id", q, nil, &body); err != nil {
			return nil, err
		}
		out = append(out, body.IDs...)
		if body.NextPage == nil || *body.NextPage <= page {
			return out, nil
		}
		page = *body.NextPage
	}
	return nil, fmt.Errorf("cve services: GET /cve-id: more than %d pages", maxPages)
}

// Quota is an organisation's ID quota.
type Quota struct {
	IDQuota       int `json:"id_quota"`
	TotalReserved int `json:"total_reserved"`
	Available     int `json:"available"`
}

// Quota reads the organisation's ID quota (GET /org/{shortname}/id_quota).
func (c *Client) Quota(ctx context.Context) (Quota, error) {
	var out Quota
	_, err := c.do(ctx, http.MethodGet, "/org/"+url.PathEscape(c.org)+"/id_quota", nil, nil, &out)
	return out, err
}

// Record is the part of a CVE record the service returns that callers
// act on: its metadata (the state above all); Raw is the whole record.
type Record struct {
	Metadata cve5.Metadata
	Raw      json.RawMessage
}

// recordAnswer is {"message", "created"|"updated": record}.
type recordAnswer struct {
	Message string          `json:"message"`
	Created json.RawMessage `json:"created"`
	Updated json.RawMessage `json:"updated"`
}

func (a recordAnswer) record(op string) (Record, error) {
	raw := a.Created
	if len(raw) == 0 {
		raw = a.Updated
	}
	var rec struct {
		Metadata cve5.Metadata `json:"cveMetadata"`
	}
	if err := json.Unmarshal(raw, &rec); err != nil {
		return Record{}, fmt.Errorf("cve services: %s: decode record: %w", op, err)
	}
	return Record{Metadata: rec.Metadata, Raw: raw}, nil
}

func (c *Client) record(ctx context.Context, method, id, what string, body any) (Record, error) {
	path := "/cve/" + url.PathEscape(id) + "/" + what
	var a recordAnswer
	if _, err := c.do(ctx, method, path, nil, body, &a); err != nil {
		return Record{}, err
	}
	return a.record(method + " " + path)
}

// Publish creates the CVE record of a reserved ID (POST /cve/{id}/cna):
// the ID becomes PUBLISHED.
func (c *Client) Publish(ctx context.Context, id string, cna cve5.CNAPublishedContainer) (Record, error) {
	return c.record(ctx, http.MethodPost, id, "cna", cve5.CNARequest{CNAContainer: cna})
}

// Update replaces the CNA container of a published record (PUT /cve/{id}/cna).
func (c *Client) Update(ctx context.Context, id string, cna cve5.CNAPublishedContainer) (Record, error) {
	return c.record(ctx, http.MethodPut, id, "cna", cve5.CNARequest{CNAContainer: cna})
}

// Reject rejects a reserved ID that has no record (POST /cve/{id}/reject).
func (c *Client) Reject(ctx context.Context, id string, rej cve5.CNARejectedContainer) (Record, error) {
	return c.record(ctx, http.MethodPost, id, "reject", cve5.RejectRequest{CNAContainer: rej})
}

// RejectRecord turns a published record into a rejected one, or updates
// a rejected record (PUT /cve/{id}/reject): the only way a PUBLISHED ID
// becomes REJECTED.
func (c *Client) RejectRecord(ctx context.Context, id string, rej cve5.CNARejectedContainer) (Record, error) {
	return c.record(ctx, http.MethodPut, id, "reject", cve5.RejectRequest{CNAContainer: rej})
}
