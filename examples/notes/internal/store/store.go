// Package store keeps notes in memory, seeded by migration files read at startup.
package store

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

type Note struct {
	ID   int    `json:"id"`
	Text string `json:"text"`
}

type Store struct {
	mu    sync.Mutex
	notes []Note
}

func New() *Store { return &Store{} }

// Migrate applies every *.sql file of dir in name order. The files hold one
// statement per line; `INSERT INTO notes VALUES ('text');` adds a note.
func (s *Store) Migrate(dir string) (int, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.sql"))
	if err != nil {
		return 0, err
	}
	if len(files) == 0 {
		return 0, fmt.Errorf("no migrations in %s", dir)
	}
	sort.Strings(files)
	for _, f := range files {
		if err := s.apply(f); err != nil {
			return 0, err
		}
	}
	return len(files), nil
}

func (s *Store) apply(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		const prefix = "INSERT INTO notes VALUES ('"
		if strings.HasPrefix(line, prefix) && strings.HasSuffix(line, "');") {
			s.add(strings.TrimSuffix(strings.TrimPrefix(line, prefix), "');"))
		}
	}
	return sc.Err()
}

func (s *Store) add(text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.notes = append(s.notes, Note{ID: len(s.notes) + 1, Text: text})
}

func (s *Store) List() []Note {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Note(nil), s.notes...)
}
