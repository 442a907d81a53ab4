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

class StreamConnection;
class WriteCoalescer;

// One request and its answer. Lives as a child of its socket, so an answer that comes
// after the client left (asynchronous store calls) is dropped: callbacks use the
// exchange as their context. Deletes itself once answered.
class HttpExchange : public QObject
{
    Q_OBJECT
public:
    HttpExchange(HttpRequest request, QTcpSocket *socket, bool closeAfterResponse,
                 WriteCoalescer *coalescer = nullptr);
    ~HttpExchange() override;

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
    // Emitted once, when answered (for access logs and metrics).
    void answered(const ssebuf::HttpRequest &request, const QString &routeName, int status,
                  qint64 elapsedMs);

private:
    void finish(int status);

    HttpRequest m_request;
    QPointer<QTcpSocket> m_socket;
    QPointer<WriteCoalescer> m_coalescer;
    QPointer<StreamedRequestBody> m_streamedBody;
    QString m_routeName;
    QElapsedTimer m_elapsed;
    bool m_closeAfterResponse;
    bool m_answered = false;
    quint64 m_ticket = 0; // its place in the connection's answer order (ResponseSequencer)
};

} // namespace ssebuf

#endif
