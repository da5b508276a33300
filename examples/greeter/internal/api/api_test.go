package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHello(t *testing.T) {
	rec := httptest.NewRecorder()
	Routes("test").ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/hello?name=gopher", nil))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "hello, gopher") {
		t.Fatalf("got %d %q", rec.Code, rec.Body.String())
	}
}
