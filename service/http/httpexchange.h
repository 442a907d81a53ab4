#ifndef SSEBUF_HTTPEXCHANGE_H
#define SSEBUF_HTTPEXCHANGE_H

#include "httprequest.h"
#include "httpresponse.h"
#include "streamedrequestbody.h"

#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <QTcpSocket>

#include <memory>

namespace ssebuf {

class HttpFrontend;
class ResponseSequencer;
class Router;
class StreamConnection;
class WriteCoalescer;

// One request and its answer. Owned by its connection's ResponseSequencer, a child of the
// socket, so it goes with the socket and an answer that comes after the client left
// (asynchronous store calls) is dropped: callbacks use the exchange as their context. Deletes
// itself once answered: at once when answered inside dispatch(), else with deleteLater().
class HttpExchange : public QObject
{
    Q_OBJECT
public:
    // sequencer: the socket's (ConnectionGuard::sequencer()); nullptr looks it up.
    HttpExchange(HttpRequest request, QTcpSocket *socket, bool closeAfterResponse,
                 WriteCoalescer *coalescer = nullptr, ResponseSequencer *sequencer = nullptr);
    ~HttpExchange() override;

    // The front end to tell of the answer (access log, metrics): one call, where a signal
    // connection per request cost more than the rest of the exchange's bookkeeping.
    void reportTo(HttpFrontend *frontend);
    // Hands the exchange to the router. Answered by the time the router returns (a request
    // that needs no store, or a store that answers at once), it is deleted before this returns.
    void dispatch(const Router &router);

    const HttpRequest &request() const { return m_request; }
    void setRouteName(const QString &name) { m_routeName = name; }
    QString routeName() const { return m_routeName; }
    bool isAnswered() const { return m_answered; }
    // The body of a request taken over from QtHttpServer while it arrives (a streaming
    // publish); nullptr for a request read whole (its body is in request().body).
    StreamedRequestBody *streamedBody() const { return m_streamedBody; }
    void setStreamedBody(StreamedRequestBody *body) { m_streamedBody = body; }

    // Writes the whole response; nothing happens when the client is gone.
    void respond(const HttpResponse &response);
    // Takes the connection out of QtHttpServer's hands and hands it over to an SSE writer,
    // with "200 OK" and the event-stream headers held until its first write (head and retry:
    // line leave in one send); nullptr when the client is gone.
    std::unique_ptr<StreamConnection> startEventStream(qint64 maxInputBytes = 65536,
                                                       const HttpHeaders &extraHeaders = {});

Q_SIGNALS:
    // Emitted once, when answered (after the front end given to reportTo() is told), and only
    // when something is connected to it: the front end is told by a call.
    void answered(const ssebuf::HttpRequest &request, const QString &routeName, int status,
                  qint64 elapsedMs);

protected:
    void connectNotify(const QMetaMethod &signal) override;

private:
    friend class ResponseSequencer;

    void finish(int status);

    HttpRequest m_request;
    QPointer<QTcpSocket> m_socket;
    ResponseSequencer *m_sequencer = nullptr; // the socket's, owns this; nullptr without socket
    QPointer<HttpFrontend> m_frontend;
    QPointer<WriteCoalescer> m_coalescer;
    QPointer<StreamedRequestBody> m_streamedBody;
    QString m_routeName;
    QElapsedTimer m_elapsed;
    bool m_closeAfterResponse;
    bool m_answered = false;
    bool m_answeredWatched = false; // something connected to answered (a test's spy)
    bool m_dispatching = false; // inside dispatch(): deleted there once answered
    bool *m_deleted = nullptr; // set by the destructor (dispatch() watches it)
    quint64 m_ticket = 0; // its place in the connection's answer order (ResponseSequencer)
};

} // namespace ssebuf

#endif
