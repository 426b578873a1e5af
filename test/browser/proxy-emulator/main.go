// Command proxy-emulator stands in for the parts of a Grafana server that ModelWatch's plugins
// depend on, for the browser tests (no Grafana server can run on the CI machines): the app
// plugin proxy (/api/plugin-proxy/<app>/…) and the datasource proxy
// (/api/datasources/proxy/uid/<uid>/…), driven by the real plugin.json routes and rendered with
// text/template; signed-in users with org roles (cookie grafana_session=<user>); the page with
// the user's boot data; and the built plugins under /public/plugins/<id>/.
//
// Usage: proxy-emulator -config config.json; it prints "listening http://127.0.0.1:PORT".
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
)

// User is a signed-in Grafana user: the org role is what the proxies check.
type User struct {
	Login          string `json:"login"`
	OrgRole        string `json:"orgRole"`
	IsGrafanaAdmin bool   `json:"isGrafanaAdmin"`
}

// Config is the emulator's JSON configuration, written by the test.
type Config struct {
	AppPluginJSON string          `json:"appPluginJson"`
	DSPluginJSON  string          `json:"dsPluginJson"`
	AppSettings   Settings        `json:"appSettings"`
	DSSettings    Settings        `json:"dsSettings"`
	Users         map[string]User `json:"users"`
	// SendUserHeader is Grafana's [dataproxy] send_user_header.
	SendUserHeader bool `json:"sendUserHeader"`
	// StaticDir holds index.html (with a <!--BOOT--> marker) and the page's assets.
	StaticDir string `json:"staticDir"`
	// PluginDirs maps a plugin id to its dist/ folder, served at /public/plugins/<id>/.
	PluginDirs map[string]string `json:"pluginDirs"`
}

type emulator struct {
	Config
	app, ds Plugin
	log     proxyLog
}

func (e *emulator) user(r *http.Request) (User, bool) {
	c, err := r.Cookie("grafana_session")
	if err != nil {
		return User{}, false
	}
	u, ok := e.Users[c.Value]
	return u, ok
}

func (e *emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// r.URL.Path is the decoded path, as Grafana's router sees it.
	p := r.URL.Path
	switch {
	case p == "/__emulator/requests":
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(e.log.list())
		return
	case strings.HasPrefix(p, "/public/plugins/"):
		e.pluginFile(w, r, strings.TrimPrefix(p, "/public/plugins/"))
		return
	}
	user, signedIn := e.user(r)
	if strings.HasPrefix(p, "/api/") {
		if !signedIn {
			jsonError(w, http.StatusUnauthorized, "Unauthorized")
			return
		}
		if rest, ok := cutPrefix(p, "/api/plugin-proxy/"+e.app.ID+"/"); ok {
			e.appProxy(w, r, user, rest)
		} else if rest, ok := cutPrefix(p, "/api/datasources/proxy/uid/"+e.DSSettings.UID+"/"); ok {
			e.dsProxy(w, r, user, rest)
		} else {
			jsonError(w, http.StatusNotFound, "Not found")
		}
		return
	}
	e.static(w, r, user, signedIn)
}

func cutPrefix(s, prefix string) (string, bool) {
	if !strings.HasPrefix(s, prefix) {
		return "", false
	}
	return s[len(prefix):], true
}

func (e *emulator) pluginFile(w http.ResponseWriter, r *http.Request, rest string) {
	id, file, _ := strings.Cut(rest, "/")
	dir, ok := e.PluginDirs[id]
	if !ok {
		http.NotFound(w, r)
		return
	}
	http.ServeFile(w, r, filepath.Join(dir, filepath.FromSlash(filepath.Clean("/"+file))))
}

// static serves the page's assets, and its .html pages (index.html for every unknown path) with
// the signed-in user's boot data in them (Grafana renders its boot data into its index page).
func (e *emulator) static(w http.ResponseWriter, r *http.Request, user User, signedIn bool) {
	file := filepath.Join(e.StaticDir, filepath.FromSlash(filepath.Clean("/"+r.URL.Path)))
	info, err := os.Stat(file)
	isFile := err == nil && !info.IsDir()
	if isFile && !strings.HasSuffix(file, ".html") {
		http.ServeFile(w, r, file)
		return
	}
	if !isFile {
		file = filepath.Join(e.StaticDir, "index.html")
	}
	if !signedIn {
		http.Error(w, "sign in: set the grafana_session cookie", http.StatusUnauthorized)
		return
	}
	page, err := os.ReadFile(file)
	if err != nil {
		http.Error(w, err.Error(), 500)
		return
	}
	boot, _ := json.Marshal(map[string]interface{}{"user": map[string]interface{}{
		"login": user.Login, "name": user.Login, "orgRole": user.OrgRole, "isGrafanaAdmin": user.IsGrafanaAdmin, "isSignedIn": true, "timezone": "utc",
	}})
	html := strings.Replace(string(page), "<!--BOOT-->", "<script>window.modelwatchBoot = "+string(boot)+";</script>", 1)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write([]byte(html))
}

func load(configFile string) (*emulator, error) {
	raw, err := os.ReadFile(configFile)
	if err != nil {
		return nil, err
	}
	e := &emulator{}
	if err := json.Unmarshal(raw, &e.Config); err != nil {
		return nil, fmt.Errorf("%s: %w", configFile, err)
	}
	if e.app, err = readPlugin(e.AppPluginJSON); err != nil {
		return nil, err
	}
	if e.ds, err = readPlugin(e.DSPluginJSON); err != nil {
		return nil, err
	}
	return e, nil
}

func main() {
	configFile := flag.String("config", "", "JSON configuration (see Config)")
	listen := flag.String("listen", "127.0.0.1:0", "address to listen on")
	flag.Parse()
	e, err := load(*configFile)
	if err != nil {
		log.Fatal(err)
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("listening http://%s\n", ln.Addr())
	log.Fatal(http.Serve(ln, e))
}
