#include "httpresponse.h"

#include "core/jsonwriter.h"

#include <cstring>

#include <QJsonDocument>

namespace ssebuf {

namespace {

const QByteArray &jsonMediaType()
{
    static const QByteArray type = QByteArrayLiteral("application/json");
    return type;
}

} // namespace

HttpResponse HttpResponse::json(int status, const QJsonObject &body)
{
    return HttpResponse {
        status, jsonMediaType(), QJsonDocument(body).toJson(QJsonDocument::Compact), {}};
}

HttpResponse HttpResponse::error(const ApiError &error)
{
    return json(error.httpStatus, error.toJson());
}

HttpResponse HttpResponse::error(int status, const QString &code, const QString &message)
{
    return error(ApiError {status, code, message, QString()});
}

HttpResponse HttpResponse::empty(int status)
{
    return HttpResponse {status, {}, {}, {}};
}

HttpResponse HttpResponse::text(int status, QByteArrayView contentType, const QByteArray &body)
{
    const QByteArray &json = jsonMediaType();
    return HttpResponse {status, contentType == json ? json : contentType.toByteArray(), body, {}};
}

HttpResponse &HttpResponse::withHeader(const QByteArray &name, const QByteArray &value)
{
    headers.append({name, value});
    return *this;
}

QByteArray HttpResponse::reasonPhrase(int status)
{
    return QByteArray(reasonText(status));
}

const char *HttpResponse::reasonText(int status)
{
    switch (status) {
    case 100:
        return "Continue";
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 204:
        return "No Content";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 409:
        return "Conflict";
    case 411:
        return "Length Required";
    case 413:
        return "Content Too Large";
    case 415:
        return "Unsupported Media Type";
    case 422:
        return "Unprocessable Content";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 503:
        return "Service Unavailable";
    default:
        return "Status";
    }
}

QByteArray HttpResponse::serialize(bool closeConnection) const
{
    // Every answer comes through here: the exact size is counted first, then each piece is
    // copied into the one buffer, numbers formatted in place.
    char statusText[24];
    const qsizetype statusLength = JsonWriter::formatNumber(statusText, status);
    char lengthText[24];
    const bool hasLength = status != 204 && status >= 200;
    const qsizetype lengthLength
        = hasLength ? JsonWriter::formatNumber(lengthText, body.size()) : 0;
    const char *const reason = reasonText(status);
    const qsizetype reasonLength = qsizetype(std::strlen(reason));
    static constexpr char versionPiece[] = "HTTP/1.1 ";
    static constexpr char typePiece[] = "Content-Type: ";
    static constexpr char lengthPiece[] = "Content-Length: ";
    static constexpr char closePiece[] = "Connection: close\r\n";
    const auto length = [](const auto &literal) { return qsizetype(sizeof literal - 1); };
    const bool withBody = status != 204;

    qsizetype size = length(versionPiece) + statusLength + 1 + reasonLength + 2 + 2;
    if (!contentType.isEmpty())
        size += length(typePiece) + contentType.size() + 2;
    if (hasLength)
        size += length(lengthPiece) + lengthLength + 2;
    for (const auto &header : headers)
        size += header.first.size() + 2 + header.second.size() + 2;
    if (closeConnection)
        size += length(closePiece);
    if (withBody)
        size += body.size();

    QByteArray out(size, Qt::Uninitialized);
    char *to = out.data();
    const auto put = [&to](const char *data, qsizetype n) {
        if (n > 0)
            std::memcpy(to, data, size_t(n));
        to += n;
    };
    const auto lineEnd = [&to] {
        *to++ = '\r';
        *to++ = '\n';
    };
    put(versionPiece, length(versionPiece));
    put(statusText + sizeof statusText - statusLength, statusLength);
    *to++ = ' ';
    put(reason, reasonLength);
    lineEnd();
    if (!contentType.isEmpty()) {
        put(typePiece, length(typePiece));
        put(contentType.constData(), contentType.size());
        lineEnd();
    }
    if (hasLength) {
        put(lengthPiece, length(lengthPiece));
        put(lengthText + sizeof lengthText - lengthLength, lengthLength);
        lineEnd();
    }
    for (const auto &header : headers) {
        put(header.first.constData(), header.first.size());
        *to++ = ':';
        *to++ = ' ';
        put(header.second.constData(), header.second.size());
        lineEnd();
    }
    if (closeConnection)
        put(closePiece, length(closePiece));
    lineEnd();
    if (withBody)
        put(body.constData(), body.size());
    Q_ASSERT(to == out.constData() + out.size());
    return out;
}

} // namespace ssebuf
