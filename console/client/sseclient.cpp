#include "sseclient.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>

namespace ssebuf {

SseClient::SseClient(QObject *parent)
    : QObject(parent)
{
}

SseClient::~SseClient()
{
    close();
}

void SseClient::open(QNetworkAccessManager *manager, QNetworkRequest request)
{
    close();
    m_parser = SseParser();
    m_httpStatus = 0;
    request.setRawHeader("Accept", "text/event-stream");
    request.setRawHeader("Cache-Control", "no-cache");
    m_reply = manager->get(request);
    connect(m_reply, &QNetworkReply::metaDataChanged, this, &SseClient::reply_metaDataChanged);
    connect(m_reply, &QNetworkReply::readyRead, this, &SseClient::reply_readyRead);
    connect(m_reply, &QNetworkReply::finished, this, &SseClient::reply_finished);
}

void SseClient::close()
{
    if (!m_reply)
        return;
    QNetworkReply *reply = m_reply;
    m_reply = nullptr;
    reply->disconnect(this);
    reply->abort();
    reply->deleteLater();
}

QByteArray SseClient::contentType() const
{
    return m_reply ? m_reply->header(QNetworkRequest::ContentTypeHeader).toByteArray()
                   : QByteArray();
}

bool SseClient::checkHeaders()
{
    if (!m_reply)
        return false;
    if (m_httpStatus != 0)
        return true;
    const QVariant status = m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
    if (!status.isValid())
        return false;
    m_httpStatus = status.toInt();
    Q_EMIT headersReceived();
    return m_reply != nullptr;
}

void SseClient::reply_metaDataChanged()
{
    checkHeaders();
}

void SseClient::reply_readyRead()
{
    if (!checkHeaders() || m_httpStatus != 200)
        return; // an error body: the owner reads it when the reply finishes
    if (!m_parser.feed(m_reply->readAll())) {
        Q_EMIT lineTooLong();
        return;
    }
    const QList<SseEvent> events = m_parser.takeEvents();
    QPointer<SseClient> guard(this);
    for (const SseEvent &event : events) {
        Q_EMIT eventReceived(event);
        if (!guard || !m_reply)
            return; // a receiver closed or reopened the stream
    }
}

void SseClient::reply_finished()
{
    if (!m_reply)
        return;
    QPointer<SseClient> guard(this);
    QNetworkReply *reply = m_reply;
    reply_readyRead();
    if (!guard || m_reply != reply)
        return;
    checkHeaders();
    if (!guard || m_reply != reply)
        return;
    Q_EMIT finished();
    if (guard && m_reply == reply)
        close();
}

} // namespace ssebuf
