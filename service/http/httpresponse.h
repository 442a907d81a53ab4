#ifndef SSEBUF_HTTPRESPONSE_H
#define SSEBUF_HTTPRESPONSE_H

#include "httprequest.h"

#include "core/apierror.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QJsonObject>

namespace ssebuf {

// A complete (non-streaming) response.
struct HttpResponse
{
    int status = 200;
    QByteArray contentType;
    QByteArray body;
    HttpHeaders headers;

    static HttpResponse json(int status, const QJsonObject &body);
    static HttpResponse error(const ApiError &error);
    static HttpResponse error(int status, const QString &code, const QString &message);
    static HttpResponse empty(int status);
    // contentType a view: application/json (every publish's answer) is a shared literal
    // rather than an allocation per answer.
    static HttpResponse text(int status, QByteArrayView contentType, const QByteArray &body);

    HttpResponse &withHeader(const QByteArray &name, const QByteArray &value);
    // The bytes on the wire: status line, headers (with Content-Length), body.
    QByteArray serialize(bool closeConnection) const;

    static QByteArray reasonPhrase(int status);
    static const char *reasonText(int status);
};

} // namespace ssebuf

#endif
