"""A producer for ssebufd, standard library only (Python 3.8+).

Copy this file into a backend that writes an answer into an ssebuf session while a browser
reads it with EventSource. It covers the three publish calls of docs/producers.md:

- ``publish(event)``: one POST per event (JSON);
- ``stream(events)``: one long NDJSON request, chunked, each event sent when it is ready and
  appended by the service as soon as its line is complete (contract section 12);
- ``cancel(reason)``: stop the session (section 13).

Every event can carry an ``idempotency_key`` (section 10): send the same events with the
same keys again after a dropped connection and the service appends each one once.
"""

import http.client
import json
import select
import urllib.parse


class SsebufError(Exception):
    """An answer other than the expected success, with its status and JSON body."""

    def __init__(self, status, body):
        super().__init__("HTTP %d: %s" % (status, body))
        self.status = status
        self.body = body


def _connection(base_url, timeout):
    url = urllib.parse.urlsplit(base_url)
    if url.scheme == "https":
        return http.client.HTTPSConnection(url.hostname, url.port or 443, timeout=timeout)
    return http.client.HTTPConnection(url.hostname, url.port or 80, timeout=timeout)


def _answer(response):
    raw = response.read()
    try:
        body = json.loads(raw) if raw else {}
    except ValueError:
        body = {"raw": raw.decode("utf-8", "replace")}
    return response.status, body


class SsebufSession:
    """One session: start it (or attach to an id), then publish, stream or cancel."""

    def __init__(self, base_url, session_id=None, token=None, timeout=30):
        self.base_url = base_url.rstrip("/")
        self.session_id = session_id
        self.timeout = timeout
        self._headers = {"Authorization": "Bearer " + token} if token else {}

    def _request(self, method, path, body=None, content_type="application/json"):
        connection = _connection(self.base_url, self.timeout)
        try:
            headers = dict(self._headers)
            if body is not None:
                headers["Content-Type"] = content_type
            connection.request(method, path, body=body, headers=headers)
            return _answer(connection.getresponse())
        finally:
            connection.close()

    def start(self, user_id, prompt, mode="autonomous"):
        """POST /api/refactor; returns the session id (the service must run --pipeline external
        for this backend to be the session's producer)."""
        status, body = self._request(
            "POST",
            "/api/refactor",
            json.dumps({"user_id": user_id, "user_prompt": prompt, "mode": mode}),
        )
        if status != 201:
            raise SsebufError(status, body)
        self.session_id = body["session_id"]
        return self.session_id

    def events_path(self):
        return "/api/sessions/%s/events" % urllib.parse.quote(self.session_id, safe="")

    def publish(self, event):
        """One event, one request: returns the answer ({"seq": n}, plus "duplicate": true
        for a retried idempotency key)."""
        status, body = self._request("POST", self.events_path(), json.dumps(event))
        if status not in (200, 201):
            raise SsebufError(status, body)
        return body

    def stream(self, events, drop_after=None):
        """Sends events (any iterable; a generator may wait for each token) as one NDJSON
        request with Transfer-Encoding: chunked. Returns the service's answer
        ({"first_seq", "last_seq", "count", "duplicates"}); raises SsebufError for any other
        (422 with "line" for a bad event, 409 when the session ended under the stream, with
        "reason": "cancelled" for a cancel). drop_after=N closes the connection abruptly
        after N events (to show a retry) and raises ConnectionAbortedError."""
        connection = _connection(self.base_url, self.timeout)
        answered_early = []

        def lines():
            for sent, event in enumerate(events):
                # The service answers at once when the session ends under the stream:
                # stop sending as soon as an answer is waiting.
                if connection.sock is not None and select.select([connection.sock], [], [], 0)[0]:
                    answered_early.append(True)
                    return
                if drop_after is not None and sent == drop_after:
                    connection.sock.close()  # no end of body: the service sees a dropped producer
                    raise ConnectionAbortedError("dropped after %d events" % sent)
                yield (json.dumps(event, separators=(",", ":")) + "\n").encode("utf-8")

        try:
            headers = dict(self._headers)
            headers["Content-Type"] = "application/x-ndjson"
            try:
                connection.request(
                    "POST", self.events_path(), body=lines(), headers=headers, encode_chunked=True
                )
            except (BrokenPipeError, ConnectionResetError):
                if not answered_early:
                    raise
            status, body = _answer(connection.getresponse())
        finally:
            connection.close()
        if status != 201:
            raise SsebufError(status, body)
        return body

    def cancel(self, reason=None):
        """POST /api/refactor/{id}/cancel: the service appends the terminal "cancelled"
        event; returns {"seq": n}."""
        path = "/api/refactor/%s/cancel" % urllib.parse.quote(self.session_id, safe="")
        body = json.dumps({"reason": reason}) if reason else None
        status, answer = self._request("POST", path, body)
        if status != 200:
            raise SsebufError(status, answer)
        return answer

    def events(self, after=0):
        """Everything buffered after seq `after`, read over plain SSE until the stream ends
        or nothing more is buffered (for checks; a browser uses EventSource)."""
        connection = _connection(self.base_url, self.timeout)
        try:
            connection.request(
                "GET",
                "/api/refactor/%s/sse" % urllib.parse.quote(self.session_id, safe=""),
                headers={"Last-Event-ID": str(after)},
            )
            response = connection.getresponse()
            events, data = [], []
            while True:
                line = response.fp.readline()
                if not line:
                    return events
                line = line.decode("utf-8").rstrip("\r\n")
                if line.startswith("data:"):
                    data.append(line[5:].lstrip(" "))
                elif line == "" and data:
                    event = json.loads("\n".join(data))
                    events.append(event)
                    data = []
                    if event.get("final"):
                        return events
        finally:
            connection.close()
