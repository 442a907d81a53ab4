#ifndef SSEBUF_TEST_RAWSSECLIENT_H
#define SSEBUF_TEST_RAWSSECLIENT_H

#include <sseparser.h>

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QObject>
#include <QTcpSocket>
#include <QUrl>

// A real SSE client over a raw QTcpSocket: sends a GET, reads the status line and headers,
// then parses the body incrementally with ssebuf::SseParser. Lets tests see exact bytes,
// stop reading on purpose and send pipelined requests.
class RawSseClient : public QObject
{
    Q_OBJECT
public:
    explicit RawSseClient(QObject *parent = nullptr);

    void open(const QUrl &url, const QList<QPair<QByteArray, QByteArray>> &headers = {});
    // Writes raw bytes on the connection (e.g. a pipelined request).
    void sendRaw(const QByteArray &bytes);
    // Stops reading from the socket: the kernel buffers fill and the server sees a stall.
    void stopReading();
    void close();

    int status() const { return m_status; }
    QByteArray header(const QByteArray &name) const { return m_headers.value(name.toLower()); }
    QByteArray rawBody() const { return m_body; }
    QList<ssebuf::SseEvent> events() const { return m_events; }
    // Parsed JSON of every event, in arrival order.
    QList<QJsonObject> jsonEvents() const;
    // The "seq" of every event that has an id, in arrival order.
    QList<qint64> sequence() const;
    int retryMs() const { return m_parser.retryMs(); }
    qint64 commentCount() const { return m_parser.commentCount(); }
    bool isFinished() const { return m_finished; }
    bool headersDone() const { return m_headersDone; }
    QTcpSocket *socket() { return &m_socket; }

Q_SIGNALS:
    void headersReceived();
    void eventReceived(const ssebuf::SseEvent &event);
    void commentReceived();
    void finished();

private:
    void socket_readyRead();
    void processBody(const QByteArray &bytes);

    QTcpSocket m_socket;
    ssebuf::SseParser m_parser;
    QByteArray m_head;
    QByteArray m_body;
    QMap<QByteArray, QByteArray> m_headers;
    QList<ssebuf::SseEvent> m_events;
    int m_status = 0;
    bool m_headersDone = false;
    bool m_finished = false;
    bool m_reading = true;
};

#endif
