package emulator

import "fmt"

// Values of the string switches of Options. The first of each group is the
// default, what Krea documents; "" means the default too.
const (
	// CursorField
	CursorFieldCamel = "nextCursor"
	CursorFieldSnake = "next_cursor"
)

// CheckSwitches rejects unknown values of the string switches (Start does
// too; the command line checks early to answer with its usage).
func (o *Options) CheckSwitches() error {
	for _, c := range []struct {
		name, v string
		ok      []string
	}{
		{"CursorField", o.CursorField, []string{CursorFieldCamel, CursorFieldSnake}},
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
