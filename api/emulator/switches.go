package emulator

import (
	"fmt"
	"strings"
)

// Values of the string switches of Options. The first of each group is the
// default, what Krea documents; "" means the default too.
const (
	// CursorField
	CursorFieldCamel = "nextCursor"
	CursorFieldSnake = "next_cursor"

	// JobDelete
	JobDeleteCancel        = "cancel"
	JobDeleteCancelPending = "cancel-pending"
	JobDeleteRemove        = "delete"

	// StyleTitle
	StyleTitleRefuse = "refuse"
	StyleTitleAccept = "accept"
	StyleTitleIgnore = "ignore"
)

// CheckSwitches rejects unknown values of the string switches (Start does
// too; the command line checks early to answer with its usage).
func (o *Options) CheckSwitches() error {
	if o.ExtraJobState != "" && (jobStatuses[o.ExtraJobState] || strings.TrimSpace(o.ExtraJobState) != o.ExtraJobState) {
		return fmt.Errorf("emulator: ExtraJobState %q: want a state name Krea does not document, without spaces around", o.ExtraJobState)
	}
	for _, c := range []struct {
		name, v string
		ok      []string
	}{
		{"CursorField", o.CursorField, []string{CursorFieldCamel, CursorFieldSnake}},
		{"JobDelete", o.JobDelete, []string{JobDeleteCancel, JobDeleteCancelPending, JobDeleteRemove}},
		{"StyleTitle", o.StyleTitle, []string{StyleTitleRefuse, StyleTitleAccept, StyleTitleIgnore}},
	} {
		if c.v == "" {
			continue
		}
		known := false
		for _, k := range c.ok {
			known = known || c.v == k
		}
		if !known {
			return fmt.Errorf("emulator: %s %q: want one of %q", c.name, c.v, c.ok)
		}
	}
	return nil
}

// cursorField is the name of the cursor field of list answers.
func (s *Server) cursorField() string {
	if s.opt.CursorField == "" {
		return CursorFieldCamel
	}
	return s.opt.CursorField
}

// jobDelete is what DELETE /jobs/{id} does.
func (s *Server) jobDelete() string {
	if s.opt.JobDelete == "" {
		return JobDeleteCancel
	}
	return s.opt.JobDelete
}
