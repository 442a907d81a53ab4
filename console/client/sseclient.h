#ifndef SSEBUF_CONSOLE_SSECLIENT_H
#define SSEBUF_CONSOLE_SSECLIENT_H

#include <sseparser.h>

#include <QByteArray>
#include <QNetworkRequest>
#include <QObject>
#include <QPointer>

class QNetworkAccessManager;
class QNetworkReply;

namespace ssebuf {

// One GET of a text/event-stream through QNetworkAccessManager: owns the reply, feeds its
// body to common's SseParser and hands out the events. What a status or an ending means is
// up to its owner (AdminStreamClient, ReplaySession). A receiver may close() the client
// from any of its signals; nothing is emitted after close().
class SseClient : public QObject
{
    Q_OBJECT
public:
    explicit SseClient(QObject *parent = nullptr);
    ~SseClient() override;

    // Sends the request (with Accept: text/event-stream and Cache-Control: no-cache), after
    // closing the previous one.
    void open(QNetworkAccessManager *manager, QNetworkRequest request);
    // Aborts the reply without any signal.
    void close();

    bool isOpen() const { return m_reply != nullptr; }
    // The HTTP status, 0 until the headers arrived.
    int httpStatus() const { return m_httpStatus; }
    QByteArray contentType() const;
    // The reply while open (e.g. for ServiceEndpoint::describeFailure() in finished()).
    QNetworkReply *reply() const { return m_reply; }

Q_SIGNALS:
    // Once per request, when the status is known and before any event.
    void headersReceived();
    // A 200 answer's events, one by one.
    void eventReceived(const ssebuf::SseEvent &event);
    // The stream sent a line longer than the parser accepts; the stream is useless now.
    void lineTooLong();
    // The reply ended (every event of it received first); reply() is valid during the
    // emission, the client is closed afterwards.
    void finished();

private:
    void reply_metaDataChanged();
    void reply_readyRead();
    void reply_finished();
    bool checkHeaders(); // false while the status is unknown or the client got closed

    QPointer<QNetworkReply> m_reply;
    SseParser m_parser;
    int m_httpStatus = 0;
};

} // namespace ssebuf

#endif
