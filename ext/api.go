package ext

// This file is the client of the Extensions API (2020-01-01), through which
// an external extension registers and learns that the execution environment
// shuts down. It is transport only: the loop and the flush are in ext.go.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Header names of the Extensions API.
const (
	headerName      = "Lambda-Extension-Name"
	headerID        = "Lambda-Extension-Identifier"
	headerErrorType = "Lambda-Extension-Function-Error-Type"
)

// client has no timeout: event/next blocks until Lambda has an event, which
// may be a long time. Calls are bounded by their ctx.
var client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2, DisableCompression: true}}

// apiError is the body Lambda expects for a failed init.
type apiError struct {
	Message string `json:"errorMessage"`
	Type    string `json:"errorType"`
}

// extension is an Extensions API client, registered.
type extension struct {
	base string
	id   string
}

// register registers an external extension named name (Lambda requires the
// executable's file name) for events, such as "SHUTDOWN".
func register(ctx context.Context, addr, name string, events ...string) (*extension, error) {
	e := &extension{base: "http://" + addr + "/2020-01-01/extension"}
	body, _ := json.Marshal(map[string][]string{"events": events})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.base+"/register", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set(headerName, name)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("extension: register %s: %w", name, err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("extension: register %s: %s: %s", name, resp.Status, msg)
	}
	if e.id = resp.Header.Get(headerID); e.id == "" {
		return nil, fmt.Errorf("extension: register %s: no %s header", name, headerID)
	}
	return e, nil
}

// event is what event/next returns.
type event struct {
	EventType      string `json:"eventType"` // INVOKE or SHUTDOWN
	DeadlineMs     int64  `json:"deadlineMs"`
	RequestID      string `json:"requestId"`
	ShutdownReason string `json:"shutdownReason"` // spindown, timeout or failure
}

// deadline is the event's deadline as a time.
func (ev event) deadline() time.Time { return time.UnixMilli(ev.DeadlineMs) }

// next waits for the next event.
func (e *extension) next(ctx context.Context) (event, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.base+"/event/next", nil)
	if err != nil {
		return event{}, err
	}
	req.Header.Set(headerID, e.id)
	resp, err := client.Do(req)
	if err != nil {
		return event{}, fmt.Errorf("extension: next event: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return event{}, fmt.Errorf("extension: next event: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return event{}, fmt.Errorf("extension: next event: %s: %s", resp.Status, body)
	}
	var ev event
	if err := json.Unmarshal(body, &ev); err != nil {
		return event{}, fmt.Errorf("extension: next event: %w", err)
	}
	return ev, nil
}

// initError reports that the extension cannot start.
func (e *extension) initError(ctx context.Context, x apiError) error {
	body, _ := json.Marshal(x)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.base+"/init/error", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set(headerID, e.id)
	req.Header.Set(headerErrorType, x.Type)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("extension: post init error: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		return fmt.Errorf("extension: post init error: %s: %s", resp.Status, msg)
	}
	return nil
}
