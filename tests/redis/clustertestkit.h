#ifndef SSEBUF_TEST_CLUSTERTESTKIT_H
#define SSEBUF_TEST_CLUSTERTESTKIT_H

// Helpers of the scale-out tests (tst_rediscluster, tst_redissentinel): a producer that
// publishes at a pace through several instances and remembers what was acknowledged, and
// a stream client that resumes with Last-Event-ID when its stream ends early.

#include "rawsseclient.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTimer>
#include <QUrl>

#include <memory>
#include <vector>

namespace clustertest {

inline QJsonObject eventJson(const QString &message,
                             const QString &status = QStringLiteral("running"))
{
    return QJsonObject {{QStringLiteral("type"), QStringLiteral("progress")},
                        {QStringLiteral("status"), status},
                        {QStringLiteral("message"), message}};
}

// Publishes "p1", "p2", ... one at a time (the next after the answer, plus intervalMs)
// round-robin through the given publish URLs. A refused publish (503 while a master fails
// over) is retried with the same message; it may have been appended all the same, so a
// message can appear under two seqs, but every acknowledged one must be in the stream.
class Producer : public QObject
{
public:
    Producer(const QList<QUrl> &urls, int intervalMs)
        : m_urls(urls)
        , m_intervalMs(intervalMs)
    {
    }

    void start() { send(); }
    void stop() { m_stopped = true; }
    bool idle() const { return m_stopped && !m_inFlight; }
    QMap<qint64, QString> acknowledged; // seq -> message
    int refused = 0;

private:
    void send()
    {
        if (m_stopped)
            return;
        QNetworkRequest request(m_urls.at(m_next++ % m_urls.size()));
        request.setHeader(QNetworkRequest::ContentTypeHeader, "application/json");
        request.setTransferTimeout(10000);
        const QString message = QStringLiteral("p%1").arg(m_message);
        m_inFlight = true;
        QNetworkReply *reply = m_manager.post(request, QJsonDocument(eventJson(message)).toJson());
        connect(reply, &QNetworkReply::finished, this, [this, reply, message] {
            m_inFlight = false;
            reply->deleteLater();
            const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
            if (status == 201) {
                acknowledged.insert(
                    QJsonDocument::fromJson(reply->readAll()).object().value("seq").toInteger(),
                    message);
                ++m_message;
            } else {
                ++refused;
            }
            QTimer::singleShot(status == 201 ? m_intervalMs : 100, this, [this] { send(); });
        });
    }

    QNetworkAccessManager m_manager;
    QList<QUrl> m_urls;
    int m_intervalMs;
    int m_next = 0;
    int m_message = 1;
    bool m_stopped = false;
    bool m_inFlight = false;
};

// Streams one session; when the stream ends before the terminal event, opens it again
// (after 200 ms, as EventSource would after its retry) with the last id it saw.
class ResumingClient : public QObject
{
public:
    explicit ResumingClient(const QUrl &url)
        : m_url(url)
    {
    }

    void open() { openOne({}); }
    int connections() const { return int(m_clients.size()); }
    bool isFinished() const { return m_done; }
    QList<QJsonObject> events() const
    {
        QList<QJsonObject> all;
        for (const auto &client : m_clients)
            all += client->jsonEvents();
        return all;
    }
    QList<qint64> sequence() const
    {
        QList<qint64> all;
        for (const auto &client : m_clients)
            all += client->sequence();
        return all;
    }
    RawSseClient *current() const { return m_clients.back().get(); }

private:
    void openOne(const QByteArray &lastEventId)
    {
        m_clients.push_back(std::make_unique<RawSseClient>());
        RawSseClient *client = m_clients.back().get();
        auto handled = std::make_shared<bool>(false);
        const auto ended = [this, client, handled] {
            if (m_done || std::exchange(*handled, true))
                return;
            const QList<QJsonObject> seen = client->jsonEvents();
            if (client->status() == 204
                || (!seen.isEmpty() && seen.last().value("final").toBool())) {
                m_done = true;
                return;
            }
            const QList<qint64> all = sequence();
            const QByteArray last = all.isEmpty() ? QByteArray() : QByteArray::number(all.last());
            QTimer::singleShot(200, this, [this, last] { openOne(last); });
        };
        connect(client, &RawSseClient::finished, this, ended);
        // A 503 (store unavailable) or 204 answer may keep the connection open.
        connect(client, &RawSseClient::headersReceived, this, [client, ended] {
            if (client->status() != 200) {
                client->close();
                ended();
            }
        });
        if (lastEventId.isEmpty())
            client->open(m_url);
        else
            client->open(m_url, {{"Last-Event-ID", lastEventId}});
    }

    QUrl m_url;
    std::vector<std::unique_ptr<RawSseClient>> m_clients;
    bool m_done = false;
};

} // namespace clustertest

#endif
