package emulator

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/api/emulator/internal/order"
)

// UserID is the id of the emulator's one account (owner.id of its styles).
const UserID = "5f4a1c3e-7b2d-4e6a-9c1f-000000000001"

// Other accounts that own seeded styles.
var (
	sharer    = &ownerRec{ID: "5f4a1c3e-7b2d-4e6a-9c1f-00000000000a", Name: "Ada"}
	community = &ownerRec{ID: "5f4a1c3e-7b2d-4e6a-9c1f-00000000000b", Name: "Grace"}
	stranger  = &ownerRec{ID: "5f4a1c3e-7b2d-4e6a-9c1f-00000000000c", Name: "Linus"}
)

func (s *Server) user() *ownerRec { return &ownerRec{ID: UserID, Name: "You"} }

func (st *styleRec) owned() bool { return st.Owner != nil && st.Owner.ID == UserID }

// visible: the user may GET it by id.
func (st *styleRec) visible() bool { return st.owned() || st.Shared || st.Public }

var styleFilters = map[string]func(*styleRec) bool{
	// all: the user's library, their own styles and those shared with them.
	"all":  func(st *styleRec) bool { return st.owned() || st.Shared },
	"user": (*styleRec).owned,
	"shared": func(st *styleRec) bool {
		return st.Shared && !st.owned()
	},
	"krea": func(st *styleRec) bool { return st.Owner == nil && st.Public },
	"community": func(st *styleRec) bool {
		return st.Public && st.Owner != nil && !st.owned()
	},
	"public":     func(st *styleRec) bool { return st.Public },
	"gallery":    func(st *styleRec) bool { return st.Public },
	"unapproved": func(*styleRec) bool { return false },
	"editor":     func(*styleRec) bool { return false },
}

// expandURL turns a stored URL ("files:<key>" or absolute) into a real one.
func (s *Server) expandURL(u string) string {
	if k, ok := strings.CutPrefix(u, "files:"); ok {
		return s.fileURL(k)
	}
	return u
}

func (s *Server) styleJSON(st *styleRec) api.Style {
	out := api.Style{
		ID: st.ID, Title: st.Title, URLs: make([]string, 0, len(st.URLs)), Public: st.Public,
		Prompt: st.Prompt, Models: st.Models, LikeCount: st.LikeCount,
		CreatedAt: st.CreatedAt.UTC().Format(order.MsLayout),
	}
	for _, u := range st.URLs {
		out.URLs = append(out.URLs, s.expandURL(u))
	}
	if st.Cover != nil {
		c := s.expandURL(*st.Cover)
		out.CoverURL = &c
	}
	if st.Owner != nil {
		out.Owner = &api.StyleOwner{ID: st.Owner.ID, Name: st.Owner.Name}
	}
	return out
}

// addStyleImagesLocked gives st a cover and n portrait previews, rendered on
// first download.
func (s *Server) addStyleImagesLocked(st *styleRec, n int, mtime time.Time) {
	cover := "s/" + st.ID + "/cover.png"
	s.st.Files[cover] = &blob{Kind: blobPNG, W: 256, H: 256, Seed: st.Seq, ModTime: mtime}
	c := "files:" + cover
	st.Cover = &c
	st.URLs = nil
	for i := range n {
		k := fmt.Sprintf("s/%s/%d.png", st.ID, i)
		s.st.Files[k] = &blob{Kind: blobPNG, W: 192, H: 256, Seed: st.Seq*10 + uint64(i), ModTime: mtime}
		st.URLs = append(st.URLs, "files:"+k)
	}
}

func (s *Server) handleListStyles(w http.ResponseWriter, r *http.Request) {
	limit, cur, hasCur, ok := s.listParams(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	filterName := q.Get("filter")
	filter := styleFilters["all"]
	if q.Has("filter") {
		f, ok := styleFilters[filterName]
		if !ok {
			s.writeError(w, http.StatusBadRequest, "invalid filter "+strconv.Quote(filterName))
			return
		}
		filter = f
	}
	var ids map[string]bool
	if v := q.Get("ids"); v != "" {
		ids = map[string]bool{}
		for _, id := range strings.Split(v, ",") {
			if id = strings.TrimSpace(id); id != "" {
				ids[id] = true
			}
		}
		if !q.Has("filter") {
			filter = (*styleRec).visible
		}
	}
	liked := false
	if q.Has("liked") {
		b, err := strconv.ParseBool(q.Get("liked"))
		if err != nil {
			s.writeError(w, http.StatusBadRequest, "liked must be true or false")
			return
		}
		liked = b
	}
	user, model := q.Get("user"), q.Get("model")
	keep := func(st *styleRec) bool {
		if !filter(st) || (ids != nil && !ids[st.ID]) || (liked && !st.Liked) {
			return false
		}
		if user != "" && (st.Owner == nil || st.Owner.ID != user) {
			return false
		}
		if model != "" && !contains(st.Models, model) {
			return false
		}
		return true
	}
	s.mu.Lock()
	s.advanceLocked(s.now())
	page, next := order.Paginate(s.st.Styles, styleKey, keep, cur, hasCur, limit, s.opt.TieBreakCursor)
	items := make([]api.Style, len(page))
	for i, st := range page {
		items[i] = s.styleJSON(st)
	}
	s.mu.Unlock()
	s.writeList(w, items, next)
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func (s *Server) handleGetStyle(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.advanceLocked(s.now())
	st, ok := s.stylesByID[r.PathValue("id")]
	ok = ok && st.visible()
	var out api.Style
	if ok {
		out = s.styleJSON(st)
	}
	s.mu.Unlock()
	if !ok {
		s.writeError(w, http.StatusNotFound, "style not found")
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// handlePatchStyle changes public, urls or cover_url of one of the user's
// own styles, and title as Options.StyleTitle says. Anyone else's style, even
// a visible one, gets 404 as the spec says ("Style not found or you are not
// the owner").
func (s *Server) handlePatchStyle(w http.ResponseWriter, r *http.Request) {
	body, ok := s.readJSONBody(w, r)
	if !ok {
		return
	}
	title, hasTitle := body["title"].(string)
	public, hasPublic := body["public"].(bool)
	cover, hasCover := body["cover_url"].(string)
	var urls []string
	rawURLs, hasURLs := body["urls"].([]any)
	for _, u := range rawURLs {
		if u, ok := u.(string); ok {
			urls = append(urls, u)
		}
	}
	// Ownership first: someone else's style is 404 whatever the body.
	s.mu.Lock()
	s.advanceLocked(s.now())
	st, ok := s.stylesByID[r.PathValue("id")]
	if !ok || !st.owned() {
		s.mu.Unlock()
		s.writeError(w, http.StatusNotFound, "style not found or you are not the owner")
		return
	}
	mode := s.opt.StyleTitle
	if hasTitle && (mode == "" || mode == StyleTitleRefuse) {
		hasTitle = false // not a field Krea updates
	}
	if !hasTitle && !hasPublic && !hasCover && !hasURLs && !(mode == StyleTitleIgnore && hasTitle) {
		s.mu.Unlock()
		s.writeError(w, http.StatusBadRequest, "No valid fields to update")
		return
	}
	if mode == StyleTitleIgnore {
		hasTitle = false
	}
	if hasTitle {
		st.Title = &title
	}
	if hasPublic {
		st.Public = public
	}
	if hasCover {
		st.Cover = &cover
	}
	if hasURLs {
		st.URLs = urls
		if st.URLs == nil {
			st.URLs = []string{}
		}
	}
	out := s.styleJSON(st)
	s.markDirtyLocked()
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}
