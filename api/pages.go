package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api/internal/pages"
)

// decodePage decodes a list answer, each item with decodeItem
// (pages.DecodePage); an answer whose envelope is not a JSON object is a
// decodeErr.
func decodePage[T any](log logrus.FieldLogger, op string, data []byte, decodeItem func(json.RawMessage) (T, error)) ([]T, string, error) {
	items, next, err := pages.DecodePage(log, op, data, decodeItem)
	if err != nil {
		return nil, "", decodeErr(op, err)
	}
	return items, next, nil
}

// listCfg returns the listing settings of op for this client: its page
// size, and pages that fail with a temporary error after the request's own
// retries fetched again from their cursor (listPageRounds times at most,
// after a backoff), so a listing never starts over from its first page.
func (c *Client) listCfg(op string) *pages.Config {
	return &pages.Config{Op: op, Limit: c.pageSize, Log: c.log, BadRequest: badRequest, Again: func(ctx context.Context, round int, err error) bool {
		if round > listPageRounds || !Temporary(err) || ctx.Err() != nil {
			return false
		}
		d := c.backoff.delay(c.maxRetries + round)
		c.log.WithFields(logrus.Fields{"op": op, "round": round, "delay": d, "error": err.Error()}).
			Warn("krea api: a listing page failed; fetching it again from its cursor")
		return c.sleep(ctx, d) == nil
	}}
}

// badRequest says the API refused a request as malformed.
func badRequest(err error) bool {
	return errors.Is(err, ErrBadRequest) || errors.Is(err, ErrValidation)
}

// listPageRounds bounds how often one page of a listing is fetched again
// (each fetch with the request's own retries) before the listing fails.
const listPageRounds = 2

// decodeErr is the error of an answer that is not the JSON we expect;
// asking again would give the same answer, so it is not Temporary.
func decodeErr(op string, err error) error {
	return permanent(fmt.Errorf("api: %s: decoding answer: %w", op, err))
}
