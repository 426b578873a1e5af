package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestMatchTree(t *testing.T) {
	cases := []struct {
		pattern, path, tail string
		ok                  bool
	}{
		{"read/*", "read/api/v1/models", "api/v1/models", true},
		{"read/*", "read", "", true},
		{"read/*", "edit/api", "", false},
		{"read/*", "reader/api", "", false},
		{"models/:name", "models/a", "", true},
		{"models/:name", "models/a/b", "", false},
	}
	for _, c := range cases {
		tail, _, ok := matchTree(c.pattern, c.path)
		if ok != c.ok || tail != c.tail {
			t.Errorf("matchTree(%q, %q) = %q, %v; want %q, %v", c.pattern, c.path, tail, ok, c.tail, c.ok)
		}
	}
}

// The route table and expectations of Grafana's own plugin proxy test (TestPluginProxyRoutes):
// routes in order, a path without a wildcard matches exactly, "*" forwards the tail.
func TestGrafanaRouteTable(t *testing.T) {
	routes := []Route{
		{Path: "", URL: "http://b"}, {Path: "some-api", URL: "http://b/api"}, {Path: "some-api/instances", URL: "http://b/api/instances/"},
		{Path: "some-api/*", URL: "http://b/api"}, {Path: "some-api/instances/*", URL: "http://b/api/instances"},
		{Path: "some-other-api/*", URL: "http://b/api/v2"}, {Path: "some-other-api/instances/*", URL: "http://b/api/v2/instances"},
	}
	for path, want := range map[string]string{
		"/notexists": "", "/": "/", "/some-api": "/api", "/some-api/instances": "/api/instances/",
		"/some-api/some/thing": "/api/some/thing", "/some-api/instances/instance-one": "/api/instances/instance-one",
		"/some-other-api/some/thing": "/api/v2/some/thing", "/some-other-api/instances/instance-one": "/api/v2/instances/instance-one",
	} {
		got := ""
		for _, r := range routes {
			if tail, hasTail, ok := matchTree(r.Path, path); ok {
				if !hasTail {
					tail = ""
				}
				u, err := targetFor(r, Settings{}, tail)
				if err != nil {
					t.Fatal(err)
				}
				// An empty path is requested as "/".
				got = "/" + strings.TrimPrefix(u.Path, "/")
				break
			}
		}
		if got != want {
			t.Errorf("%s → %q, want %q", path, got, want)
		}
	}
}

func TestTemplatesAreGoTemplates(t *testing.T) {
	data := templateData{JsonData: map[string]interface{}{"url": "http://b"}, SecureJsonData: map[string]string{"apiToken": "t1"}}
	for text, want := range map[string]string{
		"Bearer {{ or .SecureJsonData.editorToken .SecureJsonData.apiToken }}": "Bearer t1",
		"{{ .JsonData.url }}":                "http://b",
		"{{ .JsonData.missing }}":            "<no value>",
		"[{{ .SecureJsonData.adminToken }}]": "[<no value>]",
	} {
		got, err := interpolate(text, data)
		if err != nil || got != want {
			t.Errorf("interpolate(%q) = %q, %v; want %q", text, got, err, want)
		}
	}
	if _, err := interpolate("{{ .Nope.x }}", data); err == nil {
		t.Error("a field templateData lacks must fail, as in Grafana")
	}
}

func newTestEmulator(t *testing.T, backend *httptest.Server) *httptest.Server {
	t.Helper()
	e := &emulator{Config: Config{
		AppSettings: Settings{JsonData: map[string]interface{}{"url": backend.URL}, SecureJsonData: map[string]string{"apiToken": "viewer-token", "adminToken": "admin-token"}},
		DSSettings:  Settings{UID: "mw", JsonData: map[string]interface{}{"url": backend.URL}, SecureJsonData: map[string]string{"apiToken": "wrong"}},
		Users: map[string]User{
			"viewer": {Login: "viewer", OrgRole: "Viewer"},
			"root":   {Login: "root", OrgRole: "Editor", IsGrafanaAdmin: true},
			"admin":  {Login: "admin", OrgRole: "Admin"},
		},
	}}
	// A fixed route table of the shape plugin.json uses; the browser tests read the real files.
	bearer := func(key string) []struct{ Name, Content string } {
		return []struct{ Name, Content string }{{"Authorization", "Bearer {{ or .SecureJsonData." + key + " .SecureJsonData.apiToken }}"}}
	}
	e.app = Plugin{ID: "modelwatch-mlops-app", Routes: []Route{
		{Path: "read/*", Method: "GET", ReqRole: "Viewer", URL: "{{ .JsonData.url }}", Headers: bearer("apiToken")},
		{Path: "edit/*", Method: "POST", ReqRole: "Editor", URL: "{{ .JsonData.url }}", Headers: bearer("editorToken")},
		{Path: "admin/*", Method: "POST", ReqRole: "Admin", URL: "{{ .JsonData.url }}", Headers: bearer("adminToken")},
	}}
	e.ds = Plugin{ID: "modelwatch-mlops-datasource", Routes: []Route{
		{Path: "modelwatch", Method: "GET", URL: "{{ .JsonData.url }}", Headers: bearer("apiToken")},
	}}
	s := httptest.NewServer(e)
	t.Cleanup(s.Close)
	return s
}

func call(t *testing.T, method, url, user string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader("{}"))
	req.Header.Set("Cookie", "grafana_session="+user+"; other=1")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

func TestProxies(t *testing.T) {
	var seen []string
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.Method+" "+r.URL.EscapedPath()+" "+r.Header.Get("Authorization")+" cookie="+r.Header.Get("Cookie"))
		if r.Header.Get("Authorization") == "Bearer wrong" {
			w.WriteHeader(401)
			return
		}
		_, _ = io.WriteString(w, "{}")
	}))
	defer backend.Close()
	emu := newTestEmulator(t, backend)
	app := emu.URL + "/api/plugin-proxy/modelwatch-mlops-app"

	if status, _ := call(t, "GET", app+"/read/api/v1/models/a%2Fb?x=1", "viewer"); status != 200 {
		t.Fatalf("viewer read: %d", status)
	}
	if status, body := call(t, "POST", app+"/admin/api/v1/models/m/actions/rollback", "root"); status != 403 || !strings.Contains(body, "access denied") {
		t.Errorf("a server admin who is an org Editor reached an Admin route: %d %s", status, body)
	}
	if status, _ := call(t, "POST", app+"/read/api/v1/models", "admin"); status != 404 {
		t.Errorf("POST on a GET-only route: %d, want 404", status)
	}
	if status, _ := call(t, "POST", app+"/admin/api/v1/models/m/actions/rollback", "admin"); status != 200 {
		t.Errorf("admin rollback: %d", status)
	}
	if status, body := call(t, "GET", emu.URL+"/api/datasources/proxy/uid/mw/modelwatch/api/v1/models", "viewer"); status != 400 || body != "Authentication to data source failed" {
		t.Errorf("datasource 401: %d %q, want 400 Authentication to data source failed", status, body)
	}
	want := []string{
		"GET /api/v1/models/a/b Bearer viewer-token cookie=",
		"POST /api/v1/models/m/actions/rollback Bearer admin-token cookie=",
		"GET /api/v1/models Bearer wrong cookie=",
	}
	if strings.Join(seen, "\n") != strings.Join(want, "\n") {
		t.Errorf("backend saw\n%s\nwant\n%s", strings.Join(seen, "\n"), strings.Join(want, "\n"))
	}
}
