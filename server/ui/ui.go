// Package ui serves cairn's web UI: server-rendered pages over the same
// cairn.Index as the APIs (search, an event, a resource's timeline and why,
// cost, trail health), behind a login with the API's access keys.
//
// Everything is built into the binary: html/template pages, a stylesheet and
// a little JavaScript under /ui/static/, and charts drawn as inline SVG on
// the server. No CDN, no build step.
//
// Routes (GET unless said):
//
//	/                 redirect to /events
//	/login            the login form; POST checks an access key ID and secret
//	/logout           asks to sign out; POST ends the session
//	/events           search, with activity at a glance
//	/principal?name=  on to the events of a top principal at a glance
//	/event/{id}       one event, its principal and raw record
//	/resource/{id}    a resource's timeline, and why it changed (?at=T)
//	/cost             cost by principal, service and day; spikes
//	/health           the recorder, the index, the ingest sources
//	/ui/static/...    stylesheet and script
package ui

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/cairn-audit/cairn"
	"github.com/cairn-audit/cairn/cost"
	"github.com/cairn-audit/cairn/investigate"
	"github.com/cairn-audit/cairn/record"
	"golang.org/x/sync/singleflight"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// CSP is the Content-Security-Policy of every UI response.
const CSP = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

const (
	sessionCookie = "cairn_session"
	loginCookie   = "cairn_login" // the login form's CSRF token (double submit)
	// SessionTTL is how long a session lasts after login.
	SessionTTL = 12 * time.Hour
)

// Config is what the UI reads from its server.
type Config struct {
	Index cairn.Index
	// Check reports whether id and secret are an accepted key pair; it
	// must compare in constant time.
	Check func(id, secret string) bool
	// Cost and Recorder return the server's cost store and recorder, nil
	// when it has none; they are called per request, so that the server
	// may set them after New.
	Cost     func() *cost.Store
	Recorder func() *record.Recorder
	// Tour returns what the events page points a newcomer at (cairn serve
	// -demo: the simulated organisation's incidents), nil for none.
	Tour func() []TourStop
	// CatchingUp reports whether some source has not been read whole yet,
	// so that every page says its answers cover what is indexed so far;
	// nil for never.
	CatchingUp func() bool
	// SourceFailures reports the sources whose last reading failed, by
	// URL, for the health page; nil for none.
	SourceFailures func() map[string]SourceFailure
	// Insights finds the Insights that began in a range (shared with the
	// API, which keeps what it found); investigate.Insights over Index
	// when nil.
	Insights func(ctx context.Context, since, until time.Time) ([]investigate.Insight, error)
	Log      *slog.Logger
	// Now is the clock, time.Now when nil.
	Now func() time.Time
}

// UI is the web UI's http.Handler.
type UI struct {
	cfg   Config
	mux   *http.ServeMux
	pages map[string]*template.Template

	mu       sync.Mutex
	sessions map[string]*session

	logins     loginLimiter
	costCache  costCache
	costBuilds singleflight.Group // cost pages being built, by cache key
}

// TourStop is something worth looking at, asked as a question, with the
// page that answers it.
type TourStop struct {
	Question string
	URL      string // a page of this UI
}

type session struct {
	keyID   string
	csrf    string
	expires time.Time
}

// New returns the UI over cfg.Index.
func New(cfg Config) *UI {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Cost == nil {
		cfg.Cost = func() *cost.Store { return nil }
	}
	if cfg.Recorder == nil {
		cfg.Recorder = func() *record.Recorder { return nil }
	}
	if cfg.Insights == nil {
		cfg.Insights = func(ctx context.Context, since, until time.Time) ([]investigate.Insight, error) {
			return investigate.Insights(ctx, cfg.Index, since, until)
		}
	}
	if cfg.Tour == nil {
		cfg.Tour = func() []TourStop { return nil }
	}
	if cfg.Check == nil {
		cfg.Check = func(string, string) bool { return false }
	}
	u := &UI{cfg: cfg, sessions: map[string]*session{}, pages: map[string]*template.Template{}}
	base := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html"))
	for _, p := range []string{"login", "logout", "events", "event", "resource", "insights", "cost", "health", "error"} {
		t := template.Must(base.Clone())
		u.pages[p] = template.Must(t.ParseFS(templateFS, "templates/"+p+".html"))
	}
	static, _ := fs.Sub(staticFS, "static")
	mux := http.NewServeMux()
	mux.Handle("GET /ui/static/", http.StripPrefix("/ui/static/", staticHandler(http.FileServerFS(static))))
	mux.HandleFunc("GET /login", u.loginForm)
	mux.HandleFunc("POST /login", u.login)
	mux.HandleFunc("GET /logout", u.logoutForm)
	mux.Handle("POST /logout", u.auth(u.logout))
	// Browsers ask for it whatever the page says; the layout names the
	// icon in static.
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "private, max-age=86400")
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/events", http.StatusSeeOther)
	})
	mux.Handle("GET /events", u.auth(u.events))
	mux.Handle("GET /principal", u.auth(u.principal))
	mux.Handle("GET /event/{id}", u.auth(u.event))
	mux.Handle("GET /event/{id}/raw", u.auth(u.eventRaw))
	mux.Handle("GET /resource/{id...}", u.auth(u.resource))
	mux.Handle("GET /insights", u.auth(u.insightsPage))
	mux.Handle("GET /cost", u.auth(u.costPage))
	mux.Handle("GET /health", u.auth(u.health))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if allow := allowed(mux, r); allow != "" {
			w.Header().Set("Allow", allow)
			u.fail(w, r, u.sessionOf(r), http.StatusMethodNotAllowed, "The page at "+r.URL.Path+" does not take a "+r.Method+"; follow a link to it instead.", nil)
			return
		}
		u.fail(w, r, u.sessionOf(r), http.StatusNotFound, "There is no page at "+r.URL.Path+".", nil)
	})
	u.mux = mux
	return u
}

// allowed lists the methods that mux serves r's path with, "" when it
// serves it with none but the catch-all.
func allowed(mux *http.ServeMux, r *http.Request) string {
	var methods []string
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := mux.Handler(probe); pattern != "/" && pattern != "" {
			methods = append(methods, m)
			if m == http.MethodGet {
				methods = append(methods, http.MethodHead)
			}
		}
	}
	return strings.Join(methods, ", ")
}

// SourceFailure is a source that cairn serve fails to read: the error of
// its last round, and since when its rounds fail.
type SourceFailure struct {
	Err         string
	Since, Last time.Time
}

// staticHandler serves the assets, and no listing of them: the folder is
// served before signing in.
func staticHandler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "" || strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "private, max-age=300")
		next.ServeHTTP(w, r)
	})
}

// ServeHTTP serves the UI with its own security headers.
func (u *UI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", CSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	u.mux.ServeHTTP(w, r)
}

// pageData is what every page's template sees besides its own fields.
type pageData struct {
	Title string
	Nav   string // the current section
	CSRF  string // the session's token, for POST forms
	User  string
	// CatchingUp: some source has not been read whole yet.
	CatchingUp bool
	Page       any
}

func (u *UI) render(w http.ResponseWriter, r *http.Request, status int, name string, s *session, page map[string]any) {
	d := pageData{Page: page, Nav: name}
	if t, ok := page["Title"].(string); ok {
		d.Title = t
	}
	if s != nil {
		d.CSRF, d.User = s.csrf, s.keyID
		d.CatchingUp = u.cfg.CatchingUp != nil && u.cfg.CatchingUp()
	}
	var b strings.Builder
	if err := u.pages[name].ExecuteTemplate(&b, "layout.html", d); err != nil {
		u.cfg.Log.Error("render page", "page", name, "err", err)
		http.Error(w, "internal error: the server log has the details", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(b.String()))
}

func (u *UI) fail(w http.ResponseWriter, r *http.Request, s *session, status int, msg string, err error) {
	if err != nil {
		u.cfg.Log.Error("ui", "path", r.URL.Path, "err", err)
	}
	u.render(w, r, status, "error", s, map[string]any{"Title": http.StatusText(status), "Message": msg})
}

// Sessions.

func randomToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func (u *UI) sessionOf(r *http.Request) *session {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	s := u.sessions[c.Value]
	if s == nil {
		return nil
	}
	if u.cfg.Now().After(s.expires) {
		delete(u.sessions, c.Value)
		return nil
	}
	return s
}

type authedHandler func(w http.ResponseWriter, r *http.Request, s *session)

// auth runs h for a request with a live session and sends the rest to the
// login page; a POST must also carry the session's CSRF token.
func (u *UI) auth(h authedHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := u.sessionOf(r)
		if s == nil {
			next := r.URL.RequestURI()
			if r.Method != http.MethodGet {
				next = "/events"
			}
			to := "/login?next=" + url.QueryEscape(next)
			if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
				to += "&ended=1" // a session this server no longer knows: say so
			}
			http.Redirect(w, r, to, http.StatusSeeOther)
			return
		}
		if r.Method == http.MethodPost {
			if subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(s.csrf)) != 1 {
				u.fail(w, r, s, http.StatusForbidden, "This form has expired or did not come from this site; reload the page and try again.", nil)
				return
			}
		}
		h(w, r, s)
	})
}

// safeNext keeps a post-login redirect on this site: a path of its own,
// with no scheme or host, and nothing a browser would drop or read
// differently (it ignores tabs and line breaks in a URL, and takes a
// backslash for a slash: "/\t/evil.example" goes to evil.example).
func safeNext(next string) string {
	const home = "/events"
	if strings.ContainsFunc(next, func(r rune) bool { return r <= ' ' || r == 0x7f || r == '\\' }) {
		return home
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || !strings.HasPrefix(next, "/") ||
		strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/login") {
		return home
	}
	return next
}

func (u *UI) loginForm(w http.ResponseWriter, r *http.Request) {
	if u.sessionOf(r) != nil { // signed in already: on to the page asked for
		http.Redirect(w, r, safeNext(r.FormValue("next")), http.StatusSeeOther)
		return
	}
	u.showLogin(w, r, http.StatusOK, "")
}

// sessionEnded is the login page's note to someone whose session cookie
// names a session the server no longer holds.
const sessionEnded = "Your session has ended: a session lasts 12 hours, and ends when the server restarts. Sign in again to go on to the page you asked for."

func (u *UI) showLogin(w http.ResponseWriter, r *http.Request, status int, msg string) {
	token := randomToken()
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: token, Path: "/login", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil, MaxAge: 3600})
	page := map[string]any{"Title": "Sign in", "Token": token, "Next": safeNext(r.FormValue("next")), "Error": msg,
		// A refused sign-in keeps the key ID, which is no secret, so that
		// only the secret is typed again.
		"KeyID": strings.TrimSpace(r.PostFormValue("access_key_id"))}
	if msg == "" && r.FormValue("ended") != "" {
		page["Note"] = sessionEnded
	}
	u.render(w, r, status, "login", nil, page)
}

func (u *UI) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		u.showLogin(w, r, http.StatusBadRequest, "The form could not be read.")
		return
	}
	addr, now := clientAddr(r), u.cfg.Now()
	if wait := u.logins.wait(addr, now); wait > 0 {
		u.cfg.Log.Warn("ui login refused: too many failures", "remote", r.RemoteAddr)
		u.showLogin(w, r, http.StatusTooManyRequests, fmt.Sprintf("Too many failed sign-ins from this address; try again in %d seconds.", int(wait.Seconds())+1))
		return
	}
	c, err := r.Cookie(loginCookie)
	if err != nil || c.Value == "" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(r.PostFormValue("csrf"))) != 1 {
		u.showLogin(w, r, http.StatusForbidden, "The form expired or did not come from this site; try again.")
		return
	}
	// Both are trimmed: a key pasted from a file or a terminal often comes
	// with a space or a line break, and neither is ever part of a key.
	id, secret := strings.TrimSpace(r.PostFormValue("access_key_id")), strings.TrimSpace(r.PostFormValue("secret_access_key"))
	if id == "" || secret == "" || !u.cfg.Check(id, secret) {
		u.logins.fail(addr, now)
		u.cfg.Log.Info("ui login refused", "remote", r.RemoteAddr, "access_key", id)
		u.showLogin(w, r, http.StatusUnauthorized, "That access key ID and secret are not accepted by this server.")
		return
	}
	u.logins.succeed(addr)
	token := randomToken()
	u.mu.Lock()
	for k, s := range u.sessions { // drop expired sessions now and then
		if now.After(s.expires) {
			delete(u.sessions, k)
		}
	}
	u.sessions[token] = &session{keyID: id, csrf: randomToken(), expires: now.Add(SessionTTL)}
	u.mu.Unlock()
	// Lax, not Strict: a link to a page of cairn from chat, a ticket or
	// mail opens that page rather than the sign-in form. Nothing changes on
	// a GET; every POST must carry the session's CSRF token (auth).
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil, Expires: now.Add(SessionTTL)})
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: "", Path: "/login", MaxAge: -1})
	u.cfg.Log.Info("ui login", "remote", r.RemoteAddr, "access_key", id)
	http.Redirect(w, r, safeNext(r.PostFormValue("next")), http.StatusSeeOther)
}

// logoutForm asks before signing out: a GET, which a link or a prefetch
// may make, never ends a session.
func (u *UI) logoutForm(w http.ResponseWriter, r *http.Request) {
	s := u.sessionOf(r)
	if s == nil {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	u.render(w, r, http.StatusOK, "logout", s, map[string]any{"Title": "Sign out", "User": s.keyID, "CSRF": s.csrf})
}

func (u *UI) logout(w http.ResponseWriter, r *http.Request, _ *session) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		u.mu.Lock()
		delete(u.sessions, c.Value)
		u.mu.Unlock()
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
