package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
)

// Settings are a plugin instance's stored settings: the app's plugin settings or one datasource.
type Settings struct {
	UID            string                 `json:"uid"`
	URL            string                 `json:"url"`
	JsonData       map[string]interface{} `json:"jsonData"`
	SecureJsonData map[string]string      `json:"secureJsonData"`
}

// Logged is what the backend received from one proxied request, for the tests to read.
type Logged struct {
	Method string `json:"method"`
	// URL as sent upstream (escaped path and query).
	URL        string `json:"url"`
	Status     int    `json:"status"`
	Route      string `json:"route"`
	HasCookie  bool   `json:"hasCookie"`
	GrafanaUsr string `json:"xGrafanaUser"`
	// TokenKey names the secureJsonData key whose value the Authorization header carried.
	TokenKey string `json:"tokenKey"`
}

type proxyLog struct {
	mu      sync.Mutex
	entries []Logged
}

func (l *proxyLog) add(e Logged) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.entries = append(l.entries, e)
}

func (l *proxyLog) list() []Logged {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Logged{}, l.entries...)
}

func jsonError(w http.ResponseWriter, status int, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"message": message})
}

func tokenKey(auth string, s Settings) string {
	for k, v := range s.SecureJsonData {
		if v != "" && auth == "Bearer "+v {
			return k
		}
	}
	if auth == "" {
		return ""
	}
	return "other"
}

// forward sends the request to target with Grafana's header handling (PrepareProxyRequest,
// cookies cleared, the signed-in user's context, X-Grafana-User when send_user_header is on,
// then the route's rendered headers).
func (e *emulator) forward(w http.ResponseWriter, r *http.Request, user User, route Route, settings Settings, target *url.URL, rewrite401 bool) {
	data := templateData{JsonData: settings.JsonData, SecureJsonData: settings.SecureJsonData}
	headers := http.Header{}
	for _, h := range route.Headers {
		v, err := interpolate(h.Content, data)
		if err != nil {
			jsonError(w, 500, "Failed to render plugin headers")
			return
		}
		headers.Set(h.Name, v)
	}
	entry := Logged{Method: r.Method, Route: route.Path}
	director := func(req *http.Request) {
		req.URL.Scheme, req.URL.Host, req.Host = target.Scheme, target.Host, target.Host
		// Setting Path (not RawPath) as Grafana does: the decoded path is re-escaped, so an
		// encoded "/" (%2F) in the browser's URL reaches the backend as "/".
		req.URL.Path, req.URL.RawPath = target.Path, ""
		req.Header.Del("Cookie")
		req.Header.Del("Set-Cookie")
		req.Header.Del("X-Forwarded-Host")
		req.Header.Del("X-Forwarded-Port")
		req.Header.Del("X-Forwarded-Proto")
		ctxJSON, _ := json.Marshal(map[string]interface{}{"login": user.Login, "orgRole": user.OrgRole, "isGrafanaAdmin": user.IsGrafanaAdmin})
		req.Header.Set("X-Grafana-Context", string(ctxJSON))
		if e.SendUserHeader && user.Login != "" {
			req.Header.Set("X-Grafana-User", user.Login)
		}
		for k, v := range headers {
			req.Header[k] = v
		}
		entry.URL = req.URL.String()
		entry.HasCookie = req.Header.Get("Cookie") != ""
		entry.GrafanaUsr = req.Header.Get("X-Grafana-User")
		entry.TokenKey = tokenKey(req.Header.Get("Authorization"), settings)
	}
	modify := func(resp *http.Response) error {
		resp.Header.Del("Set-Cookie")
		if rewrite401 && resp.StatusCode == http.StatusUnauthorized {
			// The datasource proxy hides the upstream 401 so the browser does not log out.
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			msg := "Authentication to data source failed"
			*resp = http.Response{StatusCode: 400, Status: "400 Bad Request", Body: io.NopCloser(strings.NewReader(msg)),
				ContentLength: int64(len(msg)), Header: http.Header{}, Request: resp.Request, Proto: resp.Proto, ProtoMajor: resp.ProtoMajor, ProtoMinor: resp.ProtoMinor}
		}
		entry.Status = resp.StatusCode
		return nil
	}
	rp := &httputil.ReverseProxy{Director: director, ModifyResponse: modify, ErrorHandler: func(w http.ResponseWriter, _ *http.Request, _ error) {
		entry.Status = http.StatusBadGateway
		w.WriteHeader(http.StatusBadGateway)
	}}
	rp.ServeHTTP(w, r)
	e.log.add(entry)
}

// targetFor renders the route URL and appends the forwarded path.
func targetFor(route Route, settings Settings, proxyPath string) (*url.URL, error) {
	rendered, err := interpolate(route.URL, templateData{JsonData: settings.JsonData, SecureJsonData: settings.SecureJsonData})
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(rendered)
	if err != nil {
		return nil, err
	}
	u.Path = joinURLFragments(u.Path, proxyPath)
	return u, nil
}

// proxyRoute forwards to the route's rendered URL plus the forwarded path, keeping the query.
func (e *emulator) proxyRoute(w http.ResponseWriter, r *http.Request, user User, route Route, settings Settings, proxyPath string, rewrite401 bool) {
	target, err := targetFor(route, settings, proxyPath)
	if err != nil {
		jsonError(w, 500, "Could not interpolate plugin route url")
		return
	}
	target.RawQuery = r.URL.RawQuery
	e.forward(w, r, user, route, settings, target, rewrite401)
}

// appProxy is /api/plugin-proxy/<app>/<path>: routes tried in order; the first whose method and
// path tree match is the route; its reqRole is then checked against the org role.
func (e *emulator) appProxy(w http.ResponseWriter, r *http.Request, user User, proxyPath string) {
	for _, route := range e.app.Routes {
		if !methodMatches(route, r.Method) {
			continue
		}
		tail, hasTail, ok := matchTree(route.Path, proxyPath)
		if !ok {
			continue
		}
		if !hasRole(user.OrgRole, route.ReqRole) {
			jsonError(w, http.StatusForbidden, "plugin proxy route access denied")
			return
		}
		if !hasTail {
			tail = ""
		} else if strings.HasSuffix(proxyPath, "/") && !strings.HasSuffix(tail, "/") {
			tail += "/"
		}
		e.proxyRoute(w, r, user, route, e.AppSettings, tail, false)
		return
	}
	jsonError(w, http.StatusNotFound, "plugin route match not found")
}

// dsProxy is /api/datasources/proxy/uid/<uid>/<path>: routes matched by method and by prefix of
// the cleaned path, the route path trimmed off; the upstream 401 becomes 400.
func (e *emulator) dsProxy(w http.ResponseWriter, r *http.Request, user User, proxyPath string) {
	for _, route := range e.ds.Routes {
		if !methodMatches(route, r.Method) || !strings.HasPrefix(cleanRelativePath(proxyPath), cleanRelativePath(route.Path)) {
			continue
		}
		if !hasRole(user.OrgRole, route.ReqRole) {
			jsonError(w, http.StatusForbidden, "plugin proxy route access denied")
			return
		}
		e.proxyRoute(w, r, user, route, e.DSSettings, strings.TrimPrefix(proxyPath, route.Path), true)
		return
	}
	// No route: Grafana proxies to the datasource's own URL field, with no credentials added.
	target, err := url.Parse(e.DSSettings.URL)
	if err != nil || target.Host == "" {
		jsonError(w, http.StatusBadGateway, "no route matched and the datasource has no URL")
		return
	}
	target.Path = joinURLFragments(target.Path, proxyPath)
	target.RawQuery = r.URL.RawQuery
	e.forward(w, r, user, Route{Path: "(datasource url)"}, e.DSSettings, target, true)
}
