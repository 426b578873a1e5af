package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"strings"
	"text/template"
)

// Route is one entry of a plugin.json "routes" list, with the fields Grafana's proxies read.
type Route struct {
	Path    string                           `json:"path"`
	Method  string                           `json:"method"`
	ReqRole string                           `json:"reqRole"`
	URL     string                           `json:"url"`
	Headers []struct{ Name, Content string } `json:"headers"`
}

// Plugin is the part of plugin.json the proxies use.
type Plugin struct {
	ID     string  `json:"id"`
	Type   string  `json:"type"`
	Routes []Route `json:"routes"`
}

func readPlugin(file string) (Plugin, error) {
	var p Plugin
	raw, err := os.ReadFile(file)
	if err != nil {
		return p, err
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		return p, fmt.Errorf("%s: %w", file, err)
	}
	return p, nil
}

// templateData has the types Grafana gives route templates. A missing key renders "<no value>"
// in either map (so a header "Bearer {{ .SecureJsonData.x }}" without x sends "Bearer <no value>"),
// and is false inside `or`.
type templateData struct {
	JsonData       map[string]interface{}
	SecureJsonData map[string]string
}

// interpolate executes a route's url/header template with Go's text/template, as Grafana does.
func interpolate(text string, data templateData) (string, error) {
	t, err := template.New("content").Parse(text)
	if err != nil {
		return "", fmt.Errorf("could not parse template %s", text)
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		return "", fmt.Errorf("failed to execute template %s", text)
	}
	return buf.String(), nil
}

// methodMatches: an empty method or "*" matches any, otherwise the method must be equal.
func methodMatches(route Route, method string) bool {
	return route.Method == "" || route.Method == "*" || route.Method == method
}

// matchTree matches a path against a route path the way Grafana's web.Tree does for the app
// plugin proxy: literal segments must be equal, ":name" takes one segment, and a final "*"
// takes the rest (its value is what gets forwarded). Without a wildcard the match is exact.
func matchTree(pattern, p string) (tail string, hasTail bool, ok bool) {
	pat := strings.Split(strings.Trim(pattern, "/"), "/")
	segs := strings.Split(strings.Trim(p, "/"), "/")
	for i, s := range pat {
		if s == "*" && i == len(pat)-1 {
			return strings.Join(segs[min(i, len(segs)):], "/"), true, i <= len(segs)
		}
		if i >= len(segs) {
			return "", false, false
		}
		if !strings.HasPrefix(s, ":") && s != segs[i] {
			return "", false, false
		}
	}
	return "", false, len(pat) == len(segs)
}

func min(a, b int) int {
	if a < b {
		return a
	}
	return b
}

// cleanRelativePath is Grafana's util.CleanRelativePath: a clean path without a leading "/".
func cleanRelativePath(p string) string {
	return strings.TrimPrefix(path.Clean("/"+p), "/")
}

// joinURLFragments is Grafana's util.JoinURLFragments.
func joinURLFragments(a, b string) string {
	if b == "" {
		return a
	}
	aslash, bslash := strings.HasSuffix(a, "/"), strings.HasPrefix(b, "/")
	switch {
	case aslash && bslash:
		return a + b[1:]
	case !aslash && !bslash:
		return a + "/" + b
	}
	return a + b
}

var roleRank = map[string]int{"Viewer": 1, "Editor": 2, "Admin": 3}

// hasRole is Grafana's org-role check (RoleType.Includes): the server-admin flag plays no part.
func hasRole(orgRole, needed string) bool {
	if roleRank[needed] == 0 {
		return true
	}
	return roleRank[orgRole] >= roleRank[needed]
}
