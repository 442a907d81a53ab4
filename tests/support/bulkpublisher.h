#ifndef SSEBUF_TEST_BULKPUBLISHER_H
#define SSEBUF_TEST_BULKPUBLISHER_H

// The test kit's fast publisher (header only, namespace testkit).

#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QUrl>

#include <functional>

namespace testkit {

// Publishes many events with several requests in flight (one manager: up to 6 connections),
// so the service appends them as fast as it can. Events are made by makeEvent(i), i from 1.
class BulkPublisher
{
public:
    BulkPublisher(const QUrl &url, int total, std::function<QJsonObject(int)> makeEvent,
                  int inFlight = 6)
        : m_url(url)
        , m_total(total)
        , m_makeEvent(std::move(makeEvent))
        , m_inFlight(inFlight)
    {
    }

    void start()
    {
        for (int i = 0; i < m_inFlight; ++i)
            sendNext();
    }
    // Called after every answer with the number answered so far.
    std::function<void(int)> onAnswered;
    int answered() const { return m_answered; }
    int created() const { return m_created; }
    bool isDone() const { return m_answered == m_total; }

private:
    void sendNext()
    {
        if (m_sent >= m_total)
            return;
        const int index = ++m_sent;
        QNetworkRequest request(m_url);
        request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArray("application/json"));
        QNetworkReply *reply = m_manager.post(
            request, QJsonDocument(m_makeEvent(index)).toJson(QJsonDocument::Compact));
        QObject::connect(reply, &QNetworkReply::finished, &m_manager, [this, reply] {
            if (reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt() == 201)
                ++m_created;
            reply->deleteLater();
            ++m_answered;
            if (onAnswered)
                onAnswered(m_answered);
            sendNext();
        });
    }

    QNetworkAccessManager m_manager;
    QUrl m_url;
    int m_total;
    std::function<QJsonObject(int)> m_makeEvent;
    int m_inFlight;
    int m_sent = 0;
    int m_answered = 0;
    int m_created = 0;
};

} // namespace testkit

#endif
