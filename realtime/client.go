package realtime

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/gorilla/websocket"

	"yima/access"
	"yima/fault"
)

// Connection limits.
const (
	// writeWait bounds one write to a client.
	writeWait = 10 * time.Second
	// maxRequest bounds what a client may send in one message.
	maxRequest = 4 << 10
	// requestTimeout bounds the lookups one request makes.
	requestTimeout = 5 * time.Second
	// maxRequestsPerMinute bounds what one connection may ask (each
	// subscription is checked against the database); a page needs a few.
	maxRequestsPerMinute = 120
)

// CloseUnauthenticated closes a connection whose token was revoked or
// expired (a private close code: 4000 + the HTTP status).
const CloseUnauthenticated = 4401

// client is one websocket connection. Its reader handles requests; its
// writer alone writes, from a bounded queue, and pings.
type client struct {
	hub   *Hub
	ws    *websocket.Conn
	token string
	p     *access.Principal

	send chan []byte
	done chan struct{}
	once sync.Once
	// closeCode and closeText are set once, before done closes.
	closeCode int
	closeText string

	topics    map[string]string // internal key → topic as the client named it; guarded by hub.mu
	volunteer uuid.UUID         // the reader's cache of VolunteerOf
}

// enqueue queues data for the client without waiting. A client whose queue
// is full is too slow for the live pages and is disconnected.
func (c *client) enqueue(data []byte) bool {
	select {
	case <-c.done:
		return false
	default:
	}
	select {
	case c.send <- data:
		return true
	default:
		c.hub.m.slow.Inc()
		c.close(websocket.ClosePolicyViolation, "too slow")
		return false
	}
}

// close ends the connection with a close code; the first call wins.
func (c *client) close(code int, text string) {
	c.once.Do(func() {
		c.closeCode, c.closeText = code, text
		close(c.done)
	})
}

func (c *client) writeLoop() {
	defer c.hub.wg.Done()
	defer c.ws.Close() // also ends the reader
	ping := time.NewTicker(c.hub.opt.Ping)
	defer ping.Stop()
	for {
		select {
		case data := <-c.send:
			_ = c.ws.SetWriteDeadline(time.Now().Add(writeWait))
			if err := c.ws.WriteMessage(websocket.TextMessage, data); err != nil {
				c.close(websocket.CloseAbnormalClosure, "")
				return
			}
		case <-ping.C:
			if !c.stillAuthenticated() {
				c.close(CloseUnauthenticated, "unauthenticated")
				continue
			}
			if err := c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(writeWait)); err != nil {
				c.close(websocket.CloseAbnormalClosure, "")
				return
			}
		case <-c.done:
			_ = c.ws.WriteControl(websocket.CloseMessage,
				websocket.FormatCloseMessage(c.closeCode, c.closeText), time.Now().Add(writeWait))
			return
		}
	}
}

// stillAuthenticated asks again about the token, so that a sign-out or an
// expiry ends the connection too. A failure to ask keeps it.
func (c *client) stillAuthenticated() bool {
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	_, err := c.hub.opt.Auth.Authenticate(ctx, c.token)
	return err == nil || fault.KindOf(err) != fault.Unauthenticated
}

func (c *client) readLoop() {
	defer c.hub.wg.Done()
	defer c.hub.remove(c)
	defer c.close(websocket.CloseNormalClosure, "")
	wait := c.hub.opt.Ping * 5 / 2
	c.ws.SetReadLimit(maxRequest)
	_ = c.ws.SetReadDeadline(time.Now().Add(wait))
	c.ws.SetPongHandler(func(string) error { return c.ws.SetReadDeadline(time.Now().Add(wait)) })
	window, requests := time.Now(), 0
	for {
		typ, data, err := c.ws.ReadMessage()
		if err != nil {
			return
		}
		_ = c.ws.SetReadDeadline(time.Now().Add(wait))
		if now := time.Now(); now.Sub(window) > time.Minute {
			window, requests = now, 0
		}
		if requests++; requests > maxRequestsPerMinute {
			c.close(websocket.ClosePolicyViolation, "too many requests")
			return
		}
		var req request
		if typ != websocket.TextMessage || json.Unmarshal(data, &req) != nil {
			c.refuse(req, fault.New(fault.Invalid, "BAD_REQUEST", "无法识别的消息"))
			continue
		}
		switch req.Type {
		case "subscribe":
			ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
			c.hub.subscribe(ctx, c, req)
			cancel()
		case "unsubscribe":
			c.hub.unsubscribe(c, req)
		case "ping":
			c.enqueue(mustJSON(Message{Type: "pong", ID: req.ID}))
		default:
			c.refuse(req, fault.New(fault.Invalid, "BAD_REQUEST", "无法识别的消息类型"))
		}
	}
}

// volunteerID returns the caller's volunteer id, asked once per connection.
func (c *client) volunteerID(ctx context.Context) (uuid.UUID, error) {
	if c.volunteer != uuid.Nil {
		return c.volunteer, nil
	}
	id, err := c.hub.opt.Access.VolunteerOf(ctx, c.p)
	if err != nil {
		return uuid.Nil, err
	}
	c.volunteer = id
	return id, nil
}

// refuse answers a request with an error message: a fault's code, reason
// and message; anything else only as "internal error", logged here.
func (c *client) refuse(req request, err error) {
	m := Message{Type: "error", Topic: req.Topic, ID: req.ID}
	if f, ok := fault.As(err); ok {
		m.Code, m.Reason, m.Message = codeName(f.Kind), f.Reason, f.Message
	} else {
		c.hub.opt.Log.Error("realtime: request failed", "type", req.Type, "topic", req.Topic,
			"account_id", c.p.AccountID, "err", err)
		m.Code, m.Message = "internal", "internal error"
	}
	c.enqueue(mustJSON(m))
}

// codeName names a fault kind as Connect names its code, as the RPCs do.
func codeName(k fault.Kind) string {
	switch k {
	case fault.Invalid:
		return "invalid_argument"
	case fault.NotFound:
		return "not_found"
	case fault.Conflict:
		return "already_exists"
	case fault.FailedPrecondition:
		return "failed_precondition"
	case fault.PermissionDenied:
		return "permission_denied"
	case fault.Unauthenticated:
		return "unauthenticated"
	case fault.Exhausted:
		return "resource_exhausted"
	}
	return "internal"
}
